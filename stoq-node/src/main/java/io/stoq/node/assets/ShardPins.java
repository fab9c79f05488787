package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shards that uploads in progress have written or reused but whose version the ledger has not
 * settled yet: the sweep must not free them, although no committed version names them (yet).
 *
 * <p>An upload pins each shard before it stores (or reuses) it and releases its pins once the
 * commit settled: committed (the ledger names the shards now) or known never to commit (they are
 * discarded). A commit whose outcome stays open keeps its pins until the node stops; the start-up
 * sweep decides then. Because the sweep reads the ledger first and looks at pins later, a pin
 * released in between (its version just committed, after the sweep's ledger read) would look
 * unreferenced: so releases are remembered with their time, and a sweep also spares every shard
 * released after it started.
 *
 * <p>Thread-safe.
 */
final class ShardPins {
    private final Map<Hash256, Integer> pins = new ConcurrentHashMap<>();
    /** Hash to the {@link System#nanoTime()} of its last release. */
    private final Map<Hash256, Long> released = new ConcurrentHashMap<>();

    void pin(Hash256 hash) {
        pins.merge(hash, 1, Integer::sum);
    }

    void release(Collection<Hash256> hashes) {
        long now = System.nanoTime();
        for (Hash256 h : hashes) {
            released.put(h, now);
            pins.computeIfPresent(h, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** True when the sweep that started at {@code sweepStart} (nanoTime) must keep {@code hash}. */
    boolean spared(Hash256 hash, long sweepStart) {
        if (pins.containsKey(hash)) {
            return true;
        }
        Long at = released.get(hash);
        return at != null && at - sweepStart >= 0;
    }

    /** Forgets releases before {@code sweepStart}: no sweep that starts later needs them. */
    void forgetReleasedBefore(long sweepStart) {
        released.values().removeIf(at -> at - sweepStart < 0);
    }

    int pinned() {
        return pins.size();
    }
}
