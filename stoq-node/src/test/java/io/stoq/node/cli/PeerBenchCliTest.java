package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code stoq bench peer} moves a shard between two real STOQ peers and reports ratios; no speed is asserted. */
class PeerBenchCliTest {
    @Test
    void reportsEachStreamCountAgainstOneStream() {
        CliRun run = CliRun.of("bench", "peer", "--size-mib", "2", "--streams", "1,3", "--rounds", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("2 MiB shard").containsPattern("1 stream +[0-9.]+ MiB/s +x1\\.00")
                .containsPattern("3 streams +[0-9.]+ MiB/s +x[0-9.]+");
    }

    @Test
    void refusesAnAbsurdSize() {
        CliRun run = CliRun.of("bench", "peer", "--size-mib", "0");
        assertThat(run.exitCode()).isEqualTo(40);
        assertThat(run.err()).contains("--size-mib must be 1..1024");
    }
}
