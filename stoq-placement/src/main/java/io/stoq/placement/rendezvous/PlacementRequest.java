package io.stoq.placement.rendezvous;

import io.stoq.crypto.hash.Hash256;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.util.Objects;

/**
 * One shard to place.
 *
 * @param shardKey       the shard's SHA3-256 (its identity; the hash input of every score)
 * @param policy         {@code replicas:N} wants N targets, {@code erasure:K+M} wants K+M, one per
 *                       piece, in piece order
 * @param bytesPerTarget bytes each target will store: the shard's size for replicas, the piece
 *                       size for erasure
 */
public record PlacementRequest(Hash256 shardKey, RedundancyPolicy policy, long bytesPerTarget) {
    public PlacementRequest {
        Objects.requireNonNull(shardKey, "shardKey");
        Objects.requireNonNull(policy, "policy");
        if (bytesPerTarget < 0) {
            throw new IllegalArgumentException("bytesPerTarget must be >= 0, got " + bytesPerTarget);
        }
    }

    /** How many distinct nodes the policy needs. */
    public int targetsWanted() {
        if (policy instanceof RedundancyPolicy.Replicas replicas) {
            return replicas.n();
        }
        RedundancyPolicy.Erasure erasure = (RedundancyPolicy.Erasure) policy;
        return erasure.k() + erasure.m();
    }
}
