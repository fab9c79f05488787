package io.stoq.node.assets;

import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads whose asset key this node cannot unwrap: each becomes one typed failure
 * ({@link NodeErrorCode#KEY_UNAVAILABLE}, answered 503 {@code KEY_UNAVAILABLE} with the asset,
 * version and epoch in its detail, never a stack trace), one log line naming the same, and a
 * count in {@code stoq_asset_key_unwrap_failures_total{reason}}.
 *
 * <p>Log lines are bounded: a client may ask for the same unreadable version in a loop, so at most
 * one line per reason per 10 s is written, with the number left out since. Thread-safe.
 */
public final class KeyFailures {
    private static final Logger LOG = LoggerFactory.getLogger(KeyFailures.class);
    private static final Duration LOG_EVERY = Duration.ofSeconds(10);

    /** Why a key did not unwrap: the label of the counter. */
    public enum Reason {
        /** This node holds no share of the epoch the key is wrapped to (it was left out of it, or revoked). */
        NO_SHARE("no_share"),
        /** A wrap this node should open does not (a damaged or forged wrap or re-wrap). */
        BAD_WRAP("bad_wrap");

        private final String label;

        Reason(String label) {
            this.label = label;
        }
    }

    private final Clock clock;
    private final Map<Reason, AtomicLong> counts = new EnumMap<>(Reason.class);
    private final Map<Reason, Instant> lastLogged = new EnumMap<>(Reason.class);
    private final Map<Reason, Long> notLogged = new EnumMap<>(Reason.class);

    public KeyFailures(Clock clock) {
        this.clock = clock;
        for (Reason r : Reason.values()) {
            counts.put(r, new AtomicLong());
        }
    }

    /**
     * Counts and logs one failure to unwrap the key of version {@code version} of {@code asset}
     * (wrapped to {@code epochs}, e.g. "epoch 2"), and returns the failure for the client.
     */
    public NodeException failed(String nodeId, String asset, long version, String epochs, Reason reason, Exception cause) {
        counts.get(reason).incrementAndGet();
        String why = reason == Reason.NO_SHARE ? "node " + nodeId + " holds no share of " + epochs
                : "the key wrap for " + epochs + " does not open (damaged or forged)";
        String message = "asset " + asset + " version " + version + " cannot be decrypted on node " + nodeId + ": " + why
                + "; another node of the network may serve it";
        long skipped = -1;
        synchronized (this) {
            Instant now = clock.instant();
            Instant last = lastLogged.get(reason);
            if (last == null || !now.isBefore(last.plus(LOG_EVERY))) {
                lastLogged.put(reason, now);
                skipped = notLogged.getOrDefault(reason, 0L);
                notLogged.put(reason, 0L);
            } else {
                notLogged.merge(reason, 1L, Long::sum);
            }
        }
        if (skipped >= 0) {
            LOG.warn("cannot unwrap the key of asset {} version {} ({}): {} ({}){}", asset, version, epochs, why,
                    cause == null ? "" : cause.getMessage(), skipped > 0 ? " [" + skipped + " more not logged]" : "");
        }
        return new NodeException(NodeErrorCode.KEY_UNAVAILABLE, message, cause);
    }

    /** How many reads failed for {@code reason} since start. */
    public long count(Reason reason) {
        return counts.get(reason).get();
    }

    /** The counter in Prometheus text. */
    public String metrics() {
        StringBuilder out = new StringBuilder()
                .append("# HELP stoq_asset_key_unwrap_failures_total Reads whose asset key this node could not unwrap, by reason.\n")
                .append("# TYPE stoq_asset_key_unwrap_failures_total counter\n");
        for (Reason r : Reason.values()) {
            out.append("stoq_asset_key_unwrap_failures_total{reason=\"").append(r.label).append("\"} ").append(counts.get(r).get())
                    .append('\n');
        }
        return out.toString();
    }
}
