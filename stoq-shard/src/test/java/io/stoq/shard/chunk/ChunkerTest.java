package io.stoq.shard.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.shard.analyze.BoundaryRule;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    static List<Chunk> all(Chunker chunker) throws IOException {
        List<Chunk> out = new ArrayList<>();
        for (Chunk c; (c = chunker.next()) != null; ) {
            out.add(c);
        }
        return out;
    }

    /** Chunks tile the input in order, and every chunk but the last respects min and max. */
    static void assertTiles(List<Chunk> chunks, byte[] data, ChunkParams p) {
        long offset = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertThat(c.index()).isEqualTo(i);
            assertThat(c.offset()).isEqualTo(offset);
            assertThat(c.data()).isEqualTo(java.util.Arrays.copyOfRange(data, (int) offset, (int) c.end()));
            assertThat(c.length()).isLessThanOrEqualTo(p.max()).isPositive();
            if (i < chunks.size() - 1) {
                assertThat(c.length()).isGreaterThanOrEqualTo(p.min());
            }
            offset = c.end();
        }
        assertThat(offset).isEqualTo(data.length);
    }

    @Property(tries = 40)
    void streamingEqualsWholeBufferCutsForAnyReadSize(@ForAll("seeds") long seed, @ForAll @IntRange(min = 0, max = 300_000) int size,
            @ForAll @IntRange(min = 1, max = 70_000) int readSize, @ForAll @IntRange(min = 0, max = 3) int level) throws IOException {
        byte[] data = CorpusGenerator.bytes(CorpusKind.RANDOM, size, seed);
        ChunkParams p = new ChunkParams(1024, 4096, 16384, level);
        FastCdc cdc = new FastCdc(p);
        List<Long> expected = new ArrayList<>();
        for (int pos = 0; pos < data.length; ) {
            pos += cdc.cut(data, pos, data.length - pos);
            expected.add((long) pos);
        }
        List<Chunk> chunks = all(new Chunker(FastCdcVectorsTest.trickle(data, readSize), ChunkPlan.plain(p)));
        assertThat(chunks.stream().map(Chunk::end).toList()).isEqualTo(expected);
        assertTiles(chunks, data, p);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> seeds() {
        return net.jqwik.api.Arbitraries.longs();
    }

    @Test
    void snappedCutsOfTextFallOnLineStarts() throws IOException {
        byte[] text = CorpusGenerator.bytes(CorpusKind.TEXT, 2_000_000, 42);
        ChunkParams p = new ChunkParams(8192, 32768, 131072, 1);
        List<Chunk> chunks = all(new Chunker(new ByteArrayInputStream(text), new ChunkPlan(p, BoundaryRule.LINE_END, 4096)));
        assertTiles(chunks, text, p);
        assertThat(chunks).hasSizeGreaterThan(20);
        for (Chunk c : chunks.subList(0, chunks.size() - 1)) { // the tail ends where the data ends
            assertThat(c.data()[c.length() - 1]).as("chunk %d ends a line", c.index()).isEqualTo((byte) '\n');
        }
        // Plain FastCDC on the same text does cut inside lines: snapping is what moves them.
        List<Chunk> plain = all(new Chunker(new ByteArrayInputStream(text), ChunkPlan.plain(p)));
        assertThat(plain.stream().filter(c -> c.data()[c.length() - 1] != '\n').count()).isGreaterThan(10);
    }

    @Test
    void snappedCutsOfAZipFallOnEntryStarts() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Random random = new Random(5);
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(0);
            for (int i = 0; i < 120; i++) {
                zip.putNextEntry(new ZipEntry("entry-" + i + ".bin"));
                zip.write(CorpusGenerator.bytes(CorpusKind.RANDOM, 4096 + random.nextInt(40_000), i));
            }
        }
        byte[] data = bytes.toByteArray();
        ChunkParams p = new ChunkParams(8192, 32768, 131072, 1);
        List<Chunk> snapped = all(new Chunker(new ByteArrayInputStream(data), new ChunkPlan(p, BoundaryRule.ZIP_ENTRY, 32768)));
        List<Chunk> plain = all(new Chunker(new ByteArrayInputStream(data), ChunkPlan.plain(p)));
        assertTiles(snapped, data, p);
        assertThat(atEntryStarts(snapped, data)).as("snapped cuts at entry starts").isGreaterThan(0.9);
        assertThat(atEntryStarts(plain, data)).as("plain cuts at entry starts").isLessThan(0.1);
    }

    static double atEntryStarts(List<Chunk> chunks, byte[] data) {
        int hits = 0;
        for (Chunk c : chunks.subList(0, chunks.size() - 1)) {
            if (BoundaryRule.ZIP_ENTRY.startsAt(data, (int) c.end(), data.length, c.end())) {
                hits++;
            }
        }
        return (double) hits / (chunks.size() - 1);
    }

    @Property(tries = 25)
    void snappedCutsDoNotDependOnHowTheInputArrives(@ForAll("seeds") long seed, @ForAll @IntRange(min = 0, max = 400_000) int size,
            @ForAll @IntRange(min = 1, max = 50_000) int readSize) throws IOException {
        byte[] text = CorpusGenerator.bytes(CorpusKind.TEXT, size, seed);
        ChunkParams p = new ChunkParams(2048, 8192, 32768, 1);
        ChunkPlan plan = new ChunkPlan(p, BoundaryRule.LINE_END, 2048);
        List<Chunk> whole = all(Chunker.of(java.nio.ByteBuffer.wrap(text), plan));
        List<Chunk> trickled = all(new Chunker(FastCdcVectorsTest.trickle(text, readSize), plan));
        assertThat(trickled.stream().map(Chunk::end).toList()).isEqualTo(whole.stream().map(Chunk::end).toList());
        assertTiles(trickled, text, p);
    }

    @Test
    void snappedCutsOfATarFallOnEntryHeaders() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        Random random = new Random(8);
        for (int i = 0; i < 150; i++) {
            byte[] header = new byte[512];
            byte[] name = ("file-" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, header, 0, name.length);
            System.arraycopy("ustar\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, header, 257, 6);
            tar.write(header);
            int length = 2000 + random.nextInt(40_000);
            tar.write(CorpusGenerator.bytes(CorpusKind.RANDOM, length, i));
            tar.write(new byte[(512 - length % 512) % 512]);
        }
        byte[] data = tar.toByteArray();
        ChunkParams p = new ChunkParams(8192, 32768, 131072, 1);
        List<Chunk> snapped = all(new Chunker(new ByteArrayInputStream(data), new ChunkPlan(p, BoundaryRule.TAR_ENTRY, 32768)));
        assertTiles(snapped, data, p);
        long atHeaders = snapped.subList(0, snapped.size() - 1).stream()
                .filter(c -> BoundaryRule.TAR_ENTRY.startsAt(data, (int) c.end(), data.length, c.end())).count();
        assertThat((double) atHeaders / (snapped.size() - 1)).isGreaterThan(0.9);
    }

    @Test
    void emptyInputHasNoChunksAndTinyInputIsOne() throws IOException {
        ChunkPlan plan = ChunkPlan.plain(new ChunkParams(1024, 4096, 16384, 1));
        assertThat(all(new Chunker(new ByteArrayInputStream(new byte[0]), plan))).isEmpty();
        List<Chunk> one = all(new Chunker(new ByteArrayInputStream(new byte[] {7}), plan));
        assertThat(one).singleElement().satisfies(c -> assertThat(c.data()).containsExactly(7));
    }

    @Test
    void zerosAreCutAtMax() throws IOException {
        ChunkParams p = new ChunkParams(1024, 4096, 16384, 1);
        List<Chunk> chunks = all(new Chunker(new ByteArrayInputStream(new byte[100_000]), ChunkPlan.plain(p)));
        assertThat(chunks).hasSize(7);
        assertThat(chunks.subList(0, 6)).allSatisfy(c -> assertThat(c.length()).isEqualTo(16384));
    }

    @Test
    void badParametersAreTypedErrors() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChunkParams.of(100, 50, 4096))
                .isInstanceOf(io.stoq.shard.ShardException.class)
                .hasMessageContaining("avg 50 out of range");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChunkParams.of(8192, 4096, 16384))
                .hasMessageContaining("min <= avg <= max");
    }
}
