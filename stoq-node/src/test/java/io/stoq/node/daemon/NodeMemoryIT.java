package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, deliverable 4: a node in a JVM with {@code -Xmx256m} takes 8 concurrent uploads of
 * 256 MiB each (the issue saw {@code OutOfMemoryError} in {@code ShardEncoder} with 4 uploads of
 * 833 MiB): every upload succeeds, and the heap left after GC is reported
 * ({@code target/node-memory.txt}). Runs {@code stoq bench node} as a process through the
 * {@code ./stoq} launcher, so node and clients share the 256 MiB as a real small node would.
 * The 10 GiB upload belongs in the benchmark (docs/benchmarks.md), not the suite. No warm-up:
 * this measures memory, not speed, and warming up until the JIT is quiet would move 2 GiB up and
 * down per round (over three minutes of the suite's time on 2 cores).
 */
class NodeMemoryIT {
    private static final Path LAUNCHER = Path.of("..", "stoq").toAbsolutePath().normalize();

    @TempDir
    Path work;

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void eightConcurrentUploadsOf256MiBInA256MiBHeap() throws Exception {
        ProcessBuilder b = new ProcessBuilder(LAUNCHER.toString(), "bench", "node", "--corpus-mib", "2048", "--file-mib", "256",
                "--clients", "8", "--warmup-files", "0", "--no-http3", "--no-download", "--pipeline-runs", "0", "--small-seconds", "0", "--json")
                .directory(work.toFile());
        b.environment().put("STOQ_SKIP_BUILD", "1");
        b.environment().put("STOQ_JAVA_OPTS", "-Xmx256m -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=" + work);
        b.redirectError(work.resolve("bench.err").toFile());
        b.redirectOutput(work.resolve("bench.out").toFile());
        Process p = b.start();
        assertThat(p.waitFor(25, TimeUnit.MINUTES)).as("bench finished").isTrue();
        String stderr = Files.readString(work.resolve("bench.err"), StandardCharsets.UTF_8);
        String stdout = Files.readString(work.resolve("bench.out"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code; stderr:\n" + tail(stderr)).isZero();
        assertThat(stderr).doesNotContain("OutOfMemoryError");
        JsonNode r = new ObjectMapper().readTree(stdout);
        assertThat(r.get("files").asInt()).isEqualTo(8);
        assertThat(r.get("maxHeapMiB").asLong()).isLessThanOrEqualTo(256);
        String report = String.format("8 concurrent uploads of 256 MiB, -Xmx256m: %.1f MB/s, heap after GC peak %d MiB, "
                + "at the end %d MiB, stored %.3f bytes per byte%n", r.get("http1UploadMBps").asDouble(),
                r.get("heapAfterGcPeakMiB").asLong(), r.get("heapAfterGcEndMiB").asLong(), r.get("storedPerUploadedByte").asDouble());
        Files.writeString(Path.of("target", "node-memory.txt"), report);
        System.out.print(report);
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }
}
