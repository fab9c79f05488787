package io.stoq.net;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport's counters, for the node's {@code /metrics}: connections refused by reason,
 * stream errors sent by code, handshakes completed, connections open. Every label is an enum
 * constant, so the series are bounded whatever peers send.
 *
 * <p>Refusals are also logged, at most once per reason per {@link #LOG_INTERVAL_NANOS} (with the
 * number suppressed since), so a peer hammering with a bad certificate cannot flood the log.
 *
 * <p>Thread-safe.
 */
public final class PeerMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(PeerMetrics.class);
    static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final Map<NetErrorCode, LongAdder> refused = new ConcurrentHashMap<>();
    private final Map<NetErrorCode, LongAdder> streamErrors = new ConcurrentHashMap<>();
    private final Map<NetErrorCode, AtomicLong> lastLogged = new ConcurrentHashMap<>();
    private final Map<NetErrorCode, LongAdder> suppressed = new ConcurrentHashMap<>();
    private final LongAdder handshakes = new LongAdder();
    private final AtomicLong open = new AtomicLong();

    /** What the counters say now. */
    public record Snapshot(Map<NetErrorCode, Long> refused, Map<NetErrorCode, Long> streamErrors, long handshakes,
            long openConnections) {
        public long refused(NetErrorCode code) {
            return refused.getOrDefault(code, 0L);
        }

        public long streamErrors(NetErrorCode code) {
            return streamErrors.getOrDefault(code, 0L);
        }
    }

    /** Counts and (rate-limited) logs a connection refused for {@code code}. */
    public void refused(NetErrorCode code, String remote, String reason) {
        refused.computeIfAbsent(code, c -> new LongAdder()).increment();
        long now = System.nanoTime();
        AtomicLong last = lastLogged.computeIfAbsent(code, c -> new AtomicLong(now - LOG_INTERVAL_NANOS));
        long previous = last.get();
        if (now - previous >= LOG_INTERVAL_NANOS && last.compareAndSet(previous, now)) {
            long skipped = suppressed.computeIfAbsent(code, c -> new LongAdder()).sumThenReset();
            LOG.warn("peer connection {} refused ({}): {}{}", remote, code, reason,
                    skipped > 0 ? " [" + skipped + " more refusals for " + code + " not logged]" : "");
        } else {
            suppressed.computeIfAbsent(code, c -> new LongAdder()).increment();
        }
    }

    public void streamError(NetErrorCode code) {
        streamErrors.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    public void handshakeCompleted() {
        handshakes.increment();
    }

    public void connectionOpened() {
        open.incrementAndGet();
    }

    public void connectionClosed() {
        open.decrementAndGet();
    }

    public Snapshot snapshot() {
        return new Snapshot(copy(refused), copy(streamErrors), handshakes.sum(), open.get());
    }

    private static Map<NetErrorCode, Long> copy(Map<NetErrorCode, LongAdder> counters) {
        Map<NetErrorCode, Long> out = new EnumMap<>(NetErrorCode.class);
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
