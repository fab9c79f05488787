package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code stoq bench uploads} drives a real in-process node and reports what it measured; no speed is asserted. */
class UploadsBenchCliTest {
    @Test
    void uploadsToARealNodeAndReportsRateAndLatencies() throws Exception {
        CliRun run = CliRun.of("bench", "uploads", "--clients", "3", "--seconds", "1", "--warmup-seconds", "0.2",
                "--size", "1KiB", "-D", "ledger.block-interval=5ms", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = run.json();
        assertThat(r.path("clients").asInt()).isEqualTo(3);
        assertThat(r.path("bodyBytes").asLong()).isEqualTo(1024);
        assertThat(r.path("uploads").asLong()).isPositive();
        assertThat(r.path("failed").asLong()).isZero();
        assertThat(r.path("uploadsPerSecond").asDouble())
                .isCloseTo(r.path("uploads").asLong() / r.path("seconds").asDouble(), org.assertj.core.data.Offset.offset(1e-6));
        double p50 = r.path("p50Millis").asDouble();
        assertThat(p50).isPositive();
        assertThat(r.path("p99Millis").asDouble()).isGreaterThanOrEqualTo(p50);
        assertThat(r.path("maxMillis").asDouble()).isGreaterThanOrEqualTo(r.path("p99Millis").asDouble());
        assertThat(r.path("nodeSettings").path("ledger.block-interval").asText()).isEqualTo("5ms");
        assertThat(r.path("cpuMillisPerUpload").asDouble()).isPositive();
        // Every upload measured was sealed; the ones in flight at the start may add a few.
        assertThat(r.path("manifestsSealed").asLong()).isBetween(r.path("uploads").asLong() - 3, r.path("uploads").asLong() + 3);
        assertThat(r.path("manifestSignatures").asLong()).isBetween(1L, r.path("manifestsSealed").asLong());
        // 1 KiB uploads keep their shard and manifest in the small shard store: two group-committed puts each
        long puts = r.path("smallShardPuts").asLong();
        assertThat(puts).isBetween(2 * r.path("uploads").asLong() - 6, 2 * r.path("uploads").asLong() + 6);
        assertThat(r.path("smallShardSyncedWrites").asLong()).isBetween(1L, puts);
        assertThat(r.path("ledgerBlocks").asLong()).isPositive();
    }

    @Test
    void startsMeasuringOnARaftLedgerOnlyOnceTheNodeIsReady() throws Exception {
        // a one-voter group: genesis and the move of the bench account happen after the node starts
        CliRun run = CliRun.of("bench", "uploads", "--clients", "2", "--seconds", "1", "--warmup-seconds", "0.5",
                "-D", "ledger.mode=raft", "-D", "raft.voters=dev-node@127.0.0.1:" + io.stoq.consensus.LoopbackPorts.tcp(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = run.json();
        assertThat(r.path("warmupUploads").asLong()).isPositive();
        assertThat(r.path("warmupFailed").asLong()).as("no request met a half-started node").isZero();
        assertThat(r.path("uploads").asLong()).isPositive();
        assertThat(r.path("failed").asLong()).isZero();
    }

    @Test
    void refusesNonsenseOptionsWithOneLine() {
        CliRun run = CliRun.of("bench", "uploads", "--clients", "0");
        assertThat(run.exitCode()).isEqualTo(40);
        assertThat(run.isOneLineError()).as(run.err()).isTrue();
    }
}
