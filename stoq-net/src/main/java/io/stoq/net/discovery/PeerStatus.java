package io.stoq.net.discovery;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One member as the node shows it ({@code GET /v1/nodes}, {@code /metrics}): its signed record's
 * claims and what this node measured. {@code rtt} and {@code throughputBytesPerSecond} are
 * exponentially weighted averages (null / 0 until measured); {@code lastHeard} is null when
 * never heard from.
 */
public record PeerStatus(
        String nodeId,
        String zone,
        List<InetSocketAddress> addresses,
        long capacityBytes,
        long freeBytes,
        long sequence,
        Liveness liveness,
        Duration rtt,
        double throughputBytesPerSecond,
        Instant lastHeard,
        long failures) {
    public PeerStatus {
        addresses = List.copyOf(addresses);
    }
}
