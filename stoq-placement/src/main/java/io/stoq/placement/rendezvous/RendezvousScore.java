package io.stoq.placement.rendezvous;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.nio.charset.StandardCharsets;

/**
 * The weighted highest-random-weight score of one (shard, node) pair, the only formula placement
 * ranks by:
 *
 * <pre>
 *   h     = SHA3-256("stoq.placement.hrw.v1" || shardKey || UTF-8(nodeId))
 *   u     = (top 53 bits of h + 0.5) / 2^53                    uniform in (0, 1), never 0 or 1
 *   w     = freeBytes * clamp(throughput / reference, 0.1, 1)  (throughput 0 = not measured = 1)
 *   score = -w / ln(u)                                         higher ranks first
 * </pre>
 *
 * <p>Why this form: {@code -ln(u)} is exponentially distributed, so {@code -ln(u)/w} is an
 * exponential with rate {@code w}, and the node with the smallest such value (the largest score)
 * is node {@code i} with probability exactly {@code w_i / sum(w)}. Each score depends only on the
 * shard and that one node, so adding or removing a node changes no other node's score: only
 * shards whose ranking the node enters or leaves move. SHA3 (rather than a fast mixer) makes the
 * {@code u} of different nodes independent without an argument about the mixer; it costs about a
 * microsecond per node per shard (measured in docs/placement.md). The tag makes the formula
 * versioned: a later formula gets a new tag and old placements stay explainable.
 *
 * <p>Stateless and thread-safe.
 */
public final class RendezvousScore {
    private static final byte[] TAG = "stoq.placement.hrw.v1".getBytes(StandardCharsets.US_ASCII);
    private static final double TWO_POW_53 = 0x1p53;

    private RendezvousScore() {
    }

    /** The weight of {@code node}: free space scaled down for a slow node; 0 for a full one. */
    public static double weight(NodeFacts node, PlacementSettings settings) {
        double factor = 1.0;
        if (node.throughputBytesPerSecond() > 0) {
            double ratio = (double) node.throughputBytesPerSecond() / settings.referenceThroughputBytesPerSecond();
            factor = Math.max(PlacementSettings.MIN_THROUGHPUT_FACTOR, Math.min(1.0, ratio));
        }
        return node.freeBytes() * factor;
    }

    /** The uniform draw {@code u} in (0, 1) of the pair (shard, node). */
    public static double uniform(Hash256 shardKey, String nodeId) {
        Hash256 h = new Sha3().update(TAG).update(shardKey).update(nodeId.getBytes(StandardCharsets.UTF_8)).digest();
        byte[] b = h.toBytes();
        long top = 0;
        for (int i = 0; i < 8; i++) {
            top = (top << 8) | (b[i] & 0xFF);
        }
        return ((top >>> 11) + 0.5) / TWO_POW_53;
    }

    /** {@code -weight / ln(u)}: the pair's score; 0 when the weight is 0. */
    public static double score(double weight, double uniform) {
        return weight <= 0 ? 0.0 : -weight / Math.log(uniform);
    }
}
