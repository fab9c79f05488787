package io.stoq.shard.analyze;

import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;

/**
 * How an asset's shards are kept redundant: whole copies on {@code n} nodes, or Reed-Solomon
 * erasure coding into {@code k} data plus {@code m} parity fragments. Sharding cares because an
 * erasure-coded shard is cut again into k fragments, which should not be tiny.
 */
public sealed interface RedundancyPolicy {
    /** {@code n} full copies. */
    record Replicas(int n) implements RedundancyPolicy {
        public Replicas {
            if (n < 1 || n > 16) {
                throw new IllegalArgumentException("replicas must be 1..16, got " + n);
            }
        }

        @Override
        public String toString() {
            return "replicas:" + n;
        }
    }

    /** {@code k} data fragments plus {@code m} parity fragments per shard. */
    record Erasure(int k, int m) implements RedundancyPolicy {
        public Erasure {
            if (k < 1 || m < 1 || k + m > 64) {
                throw new IllegalArgumentException("erasure k+m needs k >= 1, m >= 1, k + m <= 64, got " + k + "+" + m);
            }
        }

        @Override
        public String toString() {
            return "erasure:" + k + "+" + m;
        }
    }

    /** The default: three replicas. */
    RedundancyPolicy DEFAULT = new Replicas(3);

    /** Parses {@code replicas:N} or {@code erasure:K+M}. */
    static RedundancyPolicy parse(String text) throws ShardException {
        try {
            if (text.startsWith("replicas:")) {
                return new Replicas(Integer.parseInt(text.substring("replicas:".length())));
            }
            if (text.startsWith("erasure:")) {
                String[] km = text.substring("erasure:".length()).split("\\+", -1);
                if (km.length == 2) {
                    return new Erasure(Integer.parseInt(km[0]), Integer.parseInt(km[1]));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "bad redundancy policy '" + text + "': " + e.getMessage());
        }
        throw new ShardException(ShardErrorCode.INVALID_ARGUMENT,
                "bad redundancy policy '" + text + "': expected replicas:N or erasure:K+M");
    }
}
