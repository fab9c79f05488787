package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * {@code stoq bench node} on a tiny corpus: a real in-process node takes every phase (HTTP/1.1 and
 * HTTP/3, up and down, 1 KiB uploads) without a failure and reports each figure, its ratio to the
 * pipeline of the same run and the JIT's share; no speed is asserted.
 */
class NodeBenchCliTest {
    @Test
    void everyPhaseRunsAndReportsItsRatioAndJitTime() throws Exception {
        CliRun run = CliRun.of("bench", "node", "--corpus-mib", "4", "--file-mib", "1", "--clients", "2", "--pipeline-runs", "1",
                "--warmup-seconds", "0", "--warmup-files", "1", "--small-seconds", "1", "--small-warmup-seconds", "0", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = run.json();
        assertThat(r.path("files").asInt()).isEqualTo(4);
        assertThat(r.path("pipelineMBps").asDouble()).isPositive();
        assertThat(r.path("warmupRounds").asInt()).isBetween(1, 8);
        for (String phase : new String[] {"http1Upload", "http1Download", "http3Upload", "http3Download"}) {
            assertThat(r.path(phase + "MBps").asDouble()).as(phase).isPositive();
            assertThat(r.path(phase + "ToPipeline").asDouble()).as(phase)
                    .isCloseTo(r.path(phase + "MBps").asDouble() / r.path("pipelineMBps").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(r.path(phase + "JitSeconds").isNumber()).as(phase + "JitSeconds").isTrue();
            assertThat(r.path(phase + "JitSeconds").asDouble()).as(phase).isNotNegative();
        }
        assertThat(r.path("http3UploadToHttp1").asDouble())
                .isCloseTo(r.path("http3UploadMBps").asDouble() / r.path("http1UploadMBps").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
        // Random, text and near-duplicate files: text compresses, so less is stored than uploaded.
        assertThat(r.path("storedPerUploadedByte").asDouble()).isBetween(0.3, 1.0);
        assertThat(r.path("smallUploadsPerSecond").asDouble()).isPositive();
        assertThat(r.path("smallFailures").asInt()).isZero();
        assertThat(r.path("heapAfterGcPeakMiB").asLong()).isPositive();
    }
}
