package io.stoq.ledger.state;

import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A whole ledger state held in memory, sorted by key: what {@code verify} rebuilds by replaying the
 * chain, to compare with the stored state. Not thread-safe.
 */
public final class MemoryState implements StateView {
    private final NavigableMap<byte[], byte[]> pairs = new TreeMap<>(Arrays::compareUnsigned);

    @Override
    public byte[] get(byte[] key) {
        byte[] v = pairs.get(key);
        return v == null ? null : v.clone();
    }

    /** Applies a block's writes (null value = delete). */
    public void apply(Map<byte[], byte[]> writes) {
        writes.forEach((k, v) -> {
            if (v == null) {
                pairs.remove(k);
            } else {
                pairs.put(k.clone(), v.clone());
            }
        });
    }

    /** All pairs in key order (read-only). */
    public NavigableMap<byte[], byte[]> pairs() {
        return java.util.Collections.unmodifiableNavigableMap(pairs);
    }
}
