package io.stoq.net.discovery;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Settings of discovery and health, checked at construction.
 *
 * @param seeds peer addresses dialled until gossip has found members (at least one, except for the first node)
 * @param advertise the addresses this node puts in its own record (IP literals; 1 to 8)
 * @param gossipInterval how often this node exchanges records with {@code fanout} random members
 * @param heartbeatInterval how often each member is pinged (RTT, liveness)
 * @param suspectAfter silence after which a member is SUSPECT
 * @param deadAfter silence after which a member is DEAD
 * @param maxRecords most nodes kept (the membership bound)
 * @param fanout members gossiped with per round
 */
public record DiscoveryConfig(
        List<InetSocketAddress> seeds,
        List<InetSocketAddress> advertise,
        Duration gossipInterval,
        Duration heartbeatInterval,
        Duration suspectAfter,
        Duration deadAfter,
        int maxRecords,
        int fanout) {

    public DiscoveryConfig {
        seeds = List.copyOf(seeds);
        advertise = List.copyOf(advertise);
        if (advertise.isEmpty() || advertise.size() > NodeRecord.MAX_ADDRESSES) {
            throw new IllegalArgumentException("advertise 1 to " + NodeRecord.MAX_ADDRESSES + " addresses, not " + advertise.size());
        }
        range("gossip interval", gossipInterval, Duration.ofMillis(50), Duration.ofMinutes(10));
        range("heartbeat interval", heartbeatInterval, Duration.ofMillis(50), Duration.ofMinutes(10));
        range("suspect after", suspectAfter, heartbeatInterval, Duration.ofHours(1));
        range("dead after", deadAfter, suspectAfter, Duration.ofDays(1));
        if (maxRecords < 1 || maxRecords > 65_536) {
            throw new IllegalArgumentException("max records must be between 1 and 65536, got " + maxRecords);
        }
        if (fanout < 1 || fanout > 32) {
            throw new IllegalArgumentException("fanout must be between 1 and 32, got " + fanout);
        }
    }

    /** Defaults: gossip every 2 s to 3 members, ping every 1 s, suspect after 5 s, dead after 15 s, 1024 records. */
    public static DiscoveryConfig of(List<InetSocketAddress> seeds, List<InetSocketAddress> advertise) {
        return new DiscoveryConfig(seeds, advertise, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofSeconds(15), 1024, 3);
    }

    /** These settings with other intervals (tests run them fast). */
    public DiscoveryConfig withIntervals(Duration gossip, Duration heartbeat, Duration suspect, Duration dead) {
        return new DiscoveryConfig(seeds, advertise, gossip, heartbeat, suspect, dead, maxRecords, fanout);
    }

    private static void range(String what, Duration value, Duration min, Duration max) {
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
