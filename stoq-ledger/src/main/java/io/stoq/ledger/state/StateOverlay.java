package io.stoq.ledger.state;

import io.stoq.ledger.LedgerException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Buffered writes over a base {@link StateView}: reads see the writes first. The state machine
 * applies each tx into its own overlay and merges it into the block's overlay only when the tx is
 * accepted, so a rejected tx changes nothing. Writes are kept sorted (unsigned byte order), which
 * makes iteration order, and therefore everything derived from it, deterministic.
 *
 * <p>Not thread-safe: owned by the thread applying a block.
 */
public final class StateOverlay implements StateView {
    private final StateView base;
    private final NavigableMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);

    public StateOverlay(StateView base) {
        this.base = base;
    }

    @Override
    public byte[] get(byte[] key) throws LedgerException {
        if (writes.containsKey(key)) {
            byte[] v = writes.get(key);
            return v == null ? null : v.clone();
        }
        return base.get(key);
    }

    public void put(byte[] key, byte[] value) {
        writes.put(key.clone(), value.clone());
    }

    public void delete(byte[] key) {
        writes.put(key.clone(), null);
    }

    /** Copies every buffered write into {@code parent}. */
    public void mergeInto(StateOverlay parent) {
        writes.forEach((k, v) -> parent.writes.put(k, v));
    }

    /** The buffered writes, sorted; a null value is a delete. */
    public Map<byte[], byte[]> writes() {
        return Collections.unmodifiableMap(writes);
    }

    public StateView base() {
        return base;
    }
}
