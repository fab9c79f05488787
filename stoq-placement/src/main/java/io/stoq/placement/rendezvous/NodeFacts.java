package io.stoq.placement.rendezvous;

import java.time.Duration;
import java.util.Objects;

/**
 * What placement knows about one live node when it places a shard: who it is, where it is, how
 * much room it has and how fast it is. Membership fills these from signed node records and its own
 * measurements; placement only reads them.
 *
 * @param nodeId                   the node id as {@code GET /v1/nodes} shows it; unique in a set
 * @param zone                     the failure domain (rack, site, region) copies are spread over
 * @param freeBytes                free bytes on the node's shard volume as the node last reported
 *                                 them; placement leaves {@link PlacementSettings#reserveBytes()}
 *                                 of them untouched and weighs the node by them
 * @param throughputBytesPerSecond measured shard throughput to the node, in bytes per second;
 *                                 0 means not measured yet (weighs as the reference throughput)
 * @param rtt                      round-trip time from the writer to the node ({@link Duration#ZERO}
 *                                 for the writer itself); only the first copy looks at it
 */
public record NodeFacts(String nodeId, String zone, long freeBytes, long throughputBytesPerSecond, Duration rtt) {
    public NodeFacts {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(rtt, "rtt");
        if (nodeId.isBlank()) {
            throw new IllegalArgumentException("a node id must not be blank");
        }
        if (zone.isBlank()) {
            throw new IllegalArgumentException("node " + nodeId + " has a blank zone");
        }
        if (freeBytes < 0 || throughputBytesPerSecond < 0 || rtt.isNegative()) {
            throw new IllegalArgumentException("node " + nodeId + " has a negative free space, throughput or RTT");
        }
    }

    /** The same node with another amount of free space. */
    public NodeFacts withFreeBytes(long bytes) {
        return new NodeFacts(nodeId, zone, bytes, throughputBytesPerSecond, rtt);
    }

    /** The same node seen from a writer at another round-trip time. */
    public NodeFacts withRtt(Duration newRtt) {
        return new NodeFacts(nodeId, zone, freeBytes, throughputBytesPerSecond, newRtt);
    }
}
