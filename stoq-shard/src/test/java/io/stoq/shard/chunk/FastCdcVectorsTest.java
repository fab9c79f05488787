package io.stoq.shard.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.shard.TestData;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Plain FastCDC must reproduce the reference implementation's cut points exactly. */
class FastCdcVectorsTest {
    record Expected(long offset, int length, String hash) {}

    record Case(int min, int avg, int max, int normalization, List<Expected> chunks) {}

    static List<Case> cases() throws IOException {
        String json = Files.readString(TestData.fastcdc().resolve("vectors.json"), StandardCharsets.UTF_8);
        Pattern casePattern = Pattern.compile("\"min\":\\s*(\\d+),\\s*\"avg\":\\s*(\\d+),\\s*\"max\":\\s*(\\d+),\\s*"
                + "\"normalization\":\\s*(\\d+),\\s*\"seed\":\\s*0,\\s*\"chunks\":\\s*\\[(.*?)\\]", Pattern.DOTALL);
        Pattern chunkPattern = Pattern.compile("\"offset\":\\s*(\\d+),\\s*\"length\":\\s*(\\d+),\\s*\"hash\":\\s*\"(\\d+)\"");
        List<Case> cases = new ArrayList<>();
        Matcher m = casePattern.matcher(json);
        while (m.find()) {
            List<Expected> chunks = new ArrayList<>();
            Matcher c = chunkPattern.matcher(m.group(5));
            while (c.find()) {
                chunks.add(new Expected(Long.parseLong(c.group(1)), Integer.parseInt(c.group(2)), c.group(3)));
            }
            cases.add(new Case(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), chunks));
        }
        assertThat(cases).as("cases parsed from vectors.json").hasSize(2);
        return cases;
    }

    static byte[] image() throws IOException {
        byte[] data = Files.readAllBytes(TestData.fastcdc().resolve("SekienAkashita.jpg"));
        assertThat(data).hasSize(109466);
        return data;
    }

    @Test
    void streamingChunkerMatchesReferenceVectors() throws IOException {
        byte[] data = image();
        for (Case c : cases()) {
            ChunkPlan plan = ChunkPlan.plain(new ChunkParams(c.min(), c.avg(), c.max(), c.normalization()));
            // Whole stream, 1-byte-at-a-time-ish reads, and a ByteBuffer source must all agree.
            for (InputStream in : List.of(new ByteArrayInputStream(data), trickle(data, 7), trickle(data, 4099))) {
                assertThat(chunk(new Chunker(in, plan))).as("case %s", c).isEqualTo(c.chunks());
            }
            assertThat(chunk(Chunker.of(ByteBuffer.wrap(data), plan))).isEqualTo(c.chunks());
        }
    }

    private static List<Expected> chunk(Chunker chunker) throws IOException {
        List<Expected> out = new ArrayList<>();
        for (Chunk chunk; (chunk = chunker.next()) != null; ) {
            out.add(new Expected(chunk.offset(), chunk.length(), Long.toUnsignedString(chunker.lastGearHash())));
        }
        return out;
    }

    /** A stream that returns at most {@code step} bytes per read, as a network socket might. */
    static InputStream trickle(byte[] data, int step) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }
}
