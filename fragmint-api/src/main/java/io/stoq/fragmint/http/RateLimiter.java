package io.stoq.fragmint.http;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-key token buckets (bucket4j: lock-free, well tested, no reason to hand-roll one). Keys are
 * {@code acct:<id>} and {@code ip:<address>}. At most {@link #MAX_KEYS} buckets are kept (least
 * recently used evicted), so a flood of spoofed keys cannot grow the heap.
 *
 * <p>Thread-safe: the map is guarded by its own monitor; buckets are thread-safe.
 */
final class RateLimiter {
    static final int MAX_KEYS = 100_000;

    private final long perSecond;
    private final long burst;
    private final Map<String, Bucket> buckets = new LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
            return size() > MAX_KEYS;
        }
    };

    RateLimiter(long perSecond, long burst) {
        this.perSecond = perSecond;
        this.burst = Math.max(burst, perSecond);
    }

    /** Takes one token for {@code key}; returns 0 when allowed, else the seconds to wait (>= 1). */
    long tryAcquire(String key) {
        Bucket b;
        synchronized (buckets) {
            b = buckets.computeIfAbsent(key, k -> Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(burst)
                            .refillGreedy(perSecond, Duration.ofSeconds(1)).build())
                    .build());
        }
        ConsumptionProbe p = b.tryConsumeAndReturnRemaining(1);
        if (p.isConsumed()) {
            return 0;
        }
        return Math.max(1, Duration.ofNanos(p.getNanosToWaitForRefill()).toSeconds() + 1);
    }
}
