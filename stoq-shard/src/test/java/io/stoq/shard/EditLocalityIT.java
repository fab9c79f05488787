package io.stoq.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.shard.analyze.ContentFormat;
import io.stoq.shard.analyze.FormatSniffer;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.analyze.ShardSizing;
import io.stoq.shard.chunk.Chunk;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.chunk.Chunker;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Dedup locality, with the production size calculator and snapping: an edit rewrites only the
 * shards around it. "Changed" counts chunks of the edited file whose plaintext hash is not among
 * the original's (stored shards always differ: every version has its own random asset key).
 */
class EditLocalityIT {
    static List<Hash256> chunkHashes(byte[] data) throws IOException {
        ContentFormat format = FormatSniffer.sniff(data, Math.min(data.length, FormatSniffer.HEAD_BYTES));
        ChunkPlan plan = ShardSizing.plan(data.length, format, RedundancyPolicy.DEFAULT);
        Chunker chunker = new Chunker(new ByteArrayInputStream(data), plan);
        List<Hash256> out = new ArrayList<>();
        for (Chunk c; (c = chunker.next()) != null; ) {
            out.add(Sha3.hash(c.data()));
        }
        return out;
    }

    static int changed(List<Hash256> before, List<Hash256> after) {
        Set<Hash256> old = new HashSet<>(before);
        return (int) after.stream().filter(h -> !old.contains(h)).count();
    }

    @Test
    void oneByteEditInTheMiddleOf100MiBChangesAtMostThreeShards() throws IOException {
        byte[] data = CorpusGenerator.bytes(CorpusKind.RANDOM, 100 << 20, 2026);
        List<Hash256> original = chunkHashes(data);
        assertThat(original).hasSizeGreaterThan(100);
        int worst = 0;
        for (int pos : new int[] {data.length / 2, data.length / 2 + 1, data.length / 3, 7_654_321, data.length - 10}) {
            data[pos] ^= 0x5a;
            int n = changed(original, chunkHashes(data));
            data[pos] ^= 0x5a;
            assertThat(n).as("shards changed by editing byte %d", pos).isBetween(1, 3);
            worst = Math.max(worst, n);
        }
        System.out.printf("1-byte edit in 100 MiB random: %d shards, worst %d changed%n", original.size(), worst);
    }

    @Test
    void insertingALineInACsvChangesAtMostTwoShards() throws IOException {
        byte[] csv = CorpusGenerator.bytes(CorpusKind.TEXT, 24 << 20, 7);
        assertThat(FormatSniffer.sniff(csv, FormatSniffer.HEAD_BYTES)).isEqualTo(ContentFormat.CSV);
        List<Hash256> original = chunkHashes(csv);
        byte[] line = "999999999,inserted row here,42.00,1700000000\n".getBytes(StandardCharsets.US_ASCII);
        int worst = 0;
        for (int i = 1; i <= 12; i++) {
            int at = lineStartAfter(csv, (int) ((long) csv.length * i / 13));
            byte[] edited = new byte[csv.length + line.length];
            System.arraycopy(csv, 0, edited, 0, at);
            System.arraycopy(line, 0, edited, at, line.length);
            System.arraycopy(csv, at, edited, at + line.length, csv.length - at);
            int n = changed(original, chunkHashes(edited));
            assertThat(n).as("shards changed by inserting a line at %d", at).isBetween(1, 2);
            worst = Math.max(worst, n);
        }
        System.out.printf("line insert in 24 MiB CSV: %d shards, worst %d changed%n", original.size(), worst);
    }

    static int lineStartAfter(byte[] data, int from) {
        int i = from;
        while (data[i - 1] != '\n') {
            i++;
        }
        return i;
    }
}
