package io.stoq.shard.analyze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.shard.ShardException;
import io.stoq.shard.chunk.ChunkPlan;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ShardSizingTest {
    private static final RedundancyPolicy R3 = new RedundancyPolicy.Replicas(3);

    @Test
    void smallFilesAreOneShard() {
        ChunkPlan plan = ShardSizing.plan(ShardSizing.SMALL_FILE, ContentFormat.TEXT, R3);
        assertThat(plan.params().min()).isGreaterThanOrEqualTo(ShardSizing.SMALL_FILE);
        assertThat(plan.snapping()).isFalse();
        assertThat(ShardSizing.plan(0, ContentFormat.BINARY, R3).params().min()).isEqualTo(ShardSizing.SMALL_FILE);
    }

    @Test
    void averageFollowsSizeWithinBounds() {
        // Below 64 MiB the average stays at the 256 KiB floor: a 1 MiB file is about 4 shards.
        assertThat(ShardSizing.plan(1L << 20, ContentFormat.BINARY, R3).params().avg()).isEqualTo(256 << 10);
        assertThat(ShardSizing.plan(32L << 20, ContentFormat.BINARY, R3).params().avg()).isEqualTo(256 << 10);
        assertThat(ShardSizing.plan(64L << 20, ContentFormat.BINARY, R3).params().avg()).isEqualTo(256 << 10);
        assertThat(ShardSizing.plan(128L << 20, ContentFormat.BINARY, R3).params().avg()).isEqualTo(512 << 10);
        assertThat(ShardSizing.plan(100L << 20, ContentFormat.BINARY, R3).params().avg()).isEqualTo(512 << 10);
        assertThat(ShardSizing.plan(1L << 30, ContentFormat.BINARY, R3).params().avg()).isEqualTo(4 << 20);
        assertThat(ShardSizing.plan(1L << 40, ContentFormat.BINARY, R3).params().avg()).isEqualTo(4 << 20);
        ChunkPlan text = ShardSizing.plan(100L << 20, ContentFormat.CSV, R3);
        assertThat(text.params().min()).isEqualTo(128 << 10);
        assertThat(text.params().max()).isEqualTo(2 << 20);
        assertThat(text.snap()).isEqualTo(BoundaryRule.LINE_END);
        assertThat(text.snapWindow()).isEqualTo(64 << 10);
        assertThat(ShardSizing.plan(OptionalLong.empty(), ContentFormat.TEXT, R3).params().avg()).isEqualTo(1 << 20);
    }

    @Test
    void mediaAndErasureGetLargerShards() throws ShardException {
        assertThat(ShardSizing.plan(100L << 20, ContentFormat.MEDIA, R3).params().avg()).isEqualTo(1 << 20);
        RedundancyPolicy ec = RedundancyPolicy.parse("erasure:16+4");
        assertThat(ShardSizing.plan(10L << 20, ContentFormat.BINARY, ec).params().avg()).isEqualTo(1 << 20);
        // 4 fragments of at least 64 KiB each: the floor, not 4 x 64 KiB, decides.
        assertThat(ShardSizing.plan(10L << 20, ContentFormat.BINARY, RedundancyPolicy.parse("erasure:4+2")).params().avg()).isEqualTo(256 << 10);
        // A node's memory cap may go below the floor.
        assertThat(ShardSizing.plan(OptionalLong.of(10L << 20), ContentFormat.BINARY, R3, 64 << 10).params().avg()).isEqualTo(64 << 10);
        // With erasure too, raised only as far as its fragments need (2 x 64 KiB), not to the file floor.
        assertThat(ShardSizing.plan(OptionalLong.of(10L << 20), ContentFormat.BINARY, RedundancyPolicy.parse("erasure:2+1"), 64 << 10)
                .params().avg()).isEqualTo(128 << 10);
        assertThat(RedundancyPolicy.parse("replicas:2")).isEqualTo(new RedundancyPolicy.Replicas(2));
        assertThatThrownBy(() -> RedundancyPolicy.parse("mirror")).isInstanceOf(ShardException.class)
                .hasMessageContaining("expected replicas:N or erasure:K+M");
        assertThatThrownBy(() -> RedundancyPolicy.parse("replicas:0")).hasMessageContaining("replicas must be 1..16");
    }
}
