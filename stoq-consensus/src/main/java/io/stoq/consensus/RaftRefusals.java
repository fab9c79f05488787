package io.stoq.consensus;

import io.stoq.net.NetErrorCode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the Raft transport's refusals (a TLS handshake refused by the STOQ identity check, a
 * call from a peer revoked since its connection opened) by reason, and logs them at most once per
 * reason per {@link #LOG_INTERVAL_NANOS}, with the number left unlogged since: a hostile peer
 * retrying a refused handshake in a loop cannot fill the disk with log lines, and the counters'
 * labels are enum constants, so {@code /metrics} stays bounded whatever peers send.
 *
 * <p>Thread-safe.
 */
public final class RaftRefusals {
    private static final Logger LOG = LoggerFactory.getLogger(RaftRefusals.class);
    static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final Map<NetErrorCode, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<NetErrorCode, AtomicLong> lastLogged = new ConcurrentHashMap<>();
    private final Map<NetErrorCode, LongAdder> suppressed = new ConcurrentHashMap<>();
    private final LongAdder logged = new LongAdder();

    /** Counts a refusal for {@code code} and logs it unless one with that code was logged within the interval. */
    public void refused(NetErrorCode code, String why) {
        counts.computeIfAbsent(code, c -> new LongAdder()).increment();
        long now = System.nanoTime();
        AtomicLong last = lastLogged.computeIfAbsent(code, c -> new AtomicLong(now - LOG_INTERVAL_NANOS));
        long previous = last.get();
        if (now - previous >= LOG_INTERVAL_NANOS && last.compareAndSet(previous, now)) {
            long skipped = suppressed.computeIfAbsent(code, c -> new LongAdder()).sumThenReset();
            logged.increment();
            LOG.warn("refused a Raft peer ({}): {}{}", code, why, skipped > 0 ? " [" + skipped + " more not logged]" : "");
        } else {
            suppressed.computeIfAbsent(code, c -> new LongAdder()).increment();
        }
    }

    /** Refusals so far by reason. */
    public Map<NetErrorCode, Long> snapshot() {
        Map<NetErrorCode, Long> out = new EnumMap<>(NetErrorCode.class);
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** How many refusal lines were written to the log (tests: the rate limit holds). */
    public long logLines() {
        return logged.sum();
    }
}
