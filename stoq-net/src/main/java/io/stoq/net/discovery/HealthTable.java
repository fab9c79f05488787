package io.stoq.net.discovery;

import io.stoq.net.shard.TransferListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this node measured of each member: round-trip time from pings, throughput from shard
 * transfers (both exponentially weighted, weight {@link #ALPHA} for the newest sample), when it
 * last heard from it, and consecutive failures. Only members get an entry, so the table (and any
 * metric labelled by it) is bounded by the membership, never by what a peer claims.
 *
 * <p>Thread-safe.
 */
public final class HealthTable implements TransferListener {
    static final double ALPHA = 0.3;

    private final Membership membership;
    private final Clock clock;
    private final Map<String, Stats> stats = new ConcurrentHashMap<>();

    public HealthTable(Membership membership, Clock clock) {
        this.membership = membership;
        this.clock = clock;
    }

    private static final class Stats {
        double rttNanos = -1;
        double throughput;
        Instant lastHeard;
        long failures;
    }

    private Stats of(String nodeId) {
        if (membership.get(nodeId).isEmpty()) {
            return null;
        }
        return stats.computeIfAbsent(nodeId, n -> new Stats());
    }

    public void recordRtt(String nodeId, Duration rtt) {
        Stats s = of(nodeId);
        if (s != null) {
            synchronized (s) {
                s.rttNanos = s.rttNanos < 0 ? rtt.toNanos() : ALPHA * rtt.toNanos() + (1 - ALPHA) * s.rttNanos;
                s.lastHeard = clock.instant();
                s.failures = 0;
            }
        }
    }

    /** The member said something (a gossip request): alive, whatever its RTT. */
    public void heard(String nodeId) {
        Stats s = of(nodeId);
        if (s != null) {
            synchronized (s) {
                s.lastHeard = clock.instant();
            }
        }
    }

    public void recordFailure(String nodeId) {
        Stats s = of(nodeId);
        if (s != null) {
            synchronized (s) {
                s.failures++;
            }
        }
    }

    @Override
    public void transferred(String nodeId, long bytes, Duration elapsed) {
        Stats s = of(nodeId);
        if (s == null || elapsed.isZero() || elapsed.isNegative()) {
            return;
        }
        double rate = bytes / (elapsed.toNanos() / 1e9);
        synchronized (s) {
            s.throughput = s.throughput == 0 ? rate : ALPHA * rate + (1 - ALPHA) * s.throughput;
            s.lastHeard = clock.instant();
        }
    }

    /** Every member but {@code self}, with its liveness at now. */
    public List<PeerStatus> snapshot(String self, Duration suspectAfter, Duration deadAfter) {
        Instant now = clock.instant();
        List<PeerStatus> out = new ArrayList<>();
        stats.keySet().removeIf(id -> membership.get(id).isEmpty());
        for (Membership.Member m : membership.members()) {
            NodeRecord r = m.record();
            if (r.nodeId().equals(self)) {
                continue;
            }
            Stats s = stats.get(r.nodeId());
            Duration rtt = null;
            double throughput = 0;
            Instant lastHeard = null;
            long failures = 0;
            if (s != null) {
                synchronized (s) {
                    rtt = s.rttNanos < 0 ? null : Duration.ofNanos((long) s.rttNanos);
                    throughput = s.throughput;
                    lastHeard = s.lastHeard;
                    failures = s.failures;
                }
            }
            Liveness liveness = lastHeard == null ? Liveness.UNKNOWN
                    : Duration.between(lastHeard, now).compareTo(suspectAfter) <= 0 ? Liveness.ALIVE
                    : Duration.between(lastHeard, now).compareTo(deadAfter) <= 0 ? Liveness.SUSPECT : Liveness.DEAD;
            out.add(new PeerStatus(r.nodeId(), r.zone(), r.addresses(), r.capacityBytes(), r.freeBytes(), r.sequence(), liveness,
                    rtt, throughput, lastHeard, failures));
        }
        return out;
    }
}
