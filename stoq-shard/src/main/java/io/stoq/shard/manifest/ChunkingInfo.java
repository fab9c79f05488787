package io.stoq.shard.manifest;

import io.stoq.shard.analyze.BoundaryRule;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;

/**
 * How an asset was cut, recorded so a later version can be cut the same way (and dedup against
 * this one). Reassembly does not need it: shard lengths are in the shard list.
 */
public record ChunkingInfo(ChunkParams params, BoundaryRule snapRule, int snapWindow) {
    public static ChunkingInfo of(ChunkPlan plan) {
        BoundaryRule rule = plan.snapping() && plan.snap() instanceof BoundaryRule r ? r : BoundaryRule.NONE;
        return new ChunkingInfo(plan.params(), rule, rule == BoundaryRule.NONE ? 0 : plan.snapWindow());
    }
}
