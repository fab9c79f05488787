package io.stoq.shard.analyze;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class FormatSnifferTest {
    static ContentFormat sniff(byte[] b) {
        return FormatSniffer.sniff(b, b.length);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void textKinds() {
        assertThat(sniff(utf8("Dear reader,\nthis is prose.\nIt has lines — and UTF-8 ✓.\n"))).isEqualTo(ContentFormat.TEXT);
        assertThat(sniff(utf8("id,name,amount\n1,\"Smith, J\",3.5\n2,Lee,4\n3,Ng,"))).isEqualTo(ContentFormat.CSV);
        assertThat(sniff(utf8("a\tb\n1\t2\n3\t4\n"))).isEqualTo(ContentFormat.CSV);
        assertThat(sniff(utf8("{\"a\":1}\n{\"a\":2}\n{\"a\":"))).isEqualTo(ContentFormat.JSON_LINES);
        assertThat(sniff(CorpusGenerator.bytes(CorpusKind.TEXT, 10_000, 1))).isEqualTo(ContentFormat.CSV);
        assertThat(sniff(new byte[0])).isEqualTo(ContentFormat.TEXT);
    }

    @Test
    void containersAndMedia() throws IOException {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("a.txt"));
            z.write(utf8("hello"));
        }
        assertThat(sniff(zip.toByteArray())).isEqualTo(ContentFormat.ZIP);

        byte[] tar = new byte[1024];
        System.arraycopy(utf8("file.txt"), 0, tar, 0, 8);
        System.arraycopy(utf8("ustar\0"), 0, tar, 257, 6);
        assertThat(sniff(tar)).isEqualTo(ContentFormat.TAR);

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(utf8("hello hello hello"));
        }
        assertThat(sniff(gz.toByteArray())).isEqualTo(ContentFormat.MEDIA);
        assertThat(sniff(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 0x10})).isEqualTo(ContentFormat.MEDIA);
        assertThat(sniff(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10})).isEqualTo(ContentFormat.MEDIA);
        assertThat(sniff(new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'})).isEqualTo(ContentFormat.MEDIA);
        assertThat(sniff(CorpusGenerator.bytes(CorpusKind.RANDOM, 8192, 3))).isEqualTo(ContentFormat.BINARY);
        assertThat(sniff(new byte[] {1, 2, 0, 4, 'a'})).isEqualTo(ContentFormat.BINARY);
    }

    @Test
    void boundaryRulesFindLineStartsZipEntriesAndTarHeaders() throws IOException {
        byte[] text = utf8("ab\ncd\n");
        assertThat(BoundaryRule.LINE_END.startsAt(text, 3, text.length, 3)).isTrue();
        assertThat(BoundaryRule.LINE_END.startsAt(text, 4, text.length, 4)).isFalse();

        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("a.txt"));
            z.write(utf8("first entry"));
            z.putNextEntry(new ZipEntry("b.txt"));
            z.write(utf8("second entry"));
        }
        byte[] zb = zip.toByteArray();
        int entries = 0;
        for (int pos = 1; pos < zb.length; pos++) {
            if (BoundaryRule.ZIP_ENTRY.startsAt(zb, pos, zb.length, pos)) {
                entries++;
            }
        }
        assertThat(entries).as("second local header + central directory entries").isEqualTo(3);

        byte[] tar = new byte[2048];
        System.arraycopy(utf8("ustar"), 0, tar, 512 + 257, 5);
        assertThat(BoundaryRule.TAR_ENTRY.startsAt(tar, 512, tar.length, 512)).isTrue();
        assertThat(BoundaryRule.TAR_ENTRY.startsAt(tar, 512, tar.length, 513)).as("must be 512-aligned").isFalse();
        assertThat(BoundaryRule.TAR_ENTRY.startsAt(tar, 1024, tar.length, 1024)).isFalse();
    }
}
