package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code stoq bench shard} runs every measurement and reports it; no speed is asserted. */
class ShardBenchCliTest {
    @Test
    void reportsBaselinesPipelineRunsAndRatiosOnATinyCorpus() throws Exception {
        CliRun run = CliRun.of("bench", "shard", "--corpus-mib", "6", "--runs", "2", "--warmup-seconds", "0",
                "--seconds", "0.05", "--threads", "2", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode t = run.json().path("throughput");
        assertThat(t.path("aesGcmMBps").asDouble()).isPositive();
        assertThat(t.path("sha3MBps").asDouble()).isPositive();
        assertThat(t.path("pipelineRunsMBps")).hasSize(2);
        assertThat(t.path("warmupRuns").asInt()).isEqualTo(1);
        assertThat(t.path("processBusyCoresPerRun")).hasSize(2);
        double bound = Math.min(t.path("aesGcmMBps").asDouble(), t.path("sha3MBps").asDouble()) * 2;
        assertThat(t.path("ratioToBound").asDouble()).isCloseTo(t.path("pipelineMBps").asDouble() / bound,
                org.assertj.core.data.Offset.offset(1e-9));
        // 6 MiB of the mixed corpus: one random, one text, half a duplicated segment; text compresses.
        assertThat(t.path("storedFraction").asDouble()).isBetween(0.5, 0.95);
        assertThat(t.path("shards").asInt()).isPositive();
    }
}
