package io.stoq.node.repair;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The two guards that keep repair from feeding on its own failures: a shard whose repair failed
 * waits longer after each failure (bounded), and a node that hears fewer than half the nodes it
 * knows owns no shards. {@code RepairTest} runs them on real nodes.
 */
class RepairBackoffTest {
    @Test
    void aFailedShardWaitsTheIntervalThenTwiceAsLongEachTimeUpToTheBound() {
        Duration every = Duration.ofSeconds(1);
        assertThat(RepairService.backoffAfter(1, every)).isEqualTo(Duration.ofSeconds(1));
        assertThat(RepairService.backoffAfter(2, every)).isEqualTo(Duration.ofSeconds(2));
        assertThat(RepairService.backoffAfter(5, every)).isEqualTo(Duration.ofSeconds(16));
        assertThat(RepairService.backoffAfter(30, every)).isEqualTo(RepairService.MAX_BACKOFF);
        assertThat(RepairService.backoffAfter(2, Duration.ofMinutes(4))).isEqualTo(RepairService.MAX_BACKOFF);
    }

    @Test
    void aNodeHearingFewerThanHalfTheNodesItKnowsIsPartitioned() {
        assertThat(RepairService.isPartitioned(1, 6)).as("itself alone of six").isTrue();
        assertThat(RepairService.isPartitioned(2, 6)).isTrue();
        assertThat(RepairService.isPartitioned(3, 6)).as("half").isFalse();
        assertThat(RepairService.isPartitioned(3, 5)).isFalse();
        assertThat(RepairService.isPartitioned(2, 5)).isTrue();
        assertThat(RepairService.isPartitioned(1, 1)).as("a single node").isFalse();
        assertThat(RepairService.isPartitioned(1, 2)).as("one of two: the other may be dead").isFalse();
    }
}
