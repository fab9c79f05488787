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
    /** Marks a key known to be absent from the base in {@link #baseReads}. */
    private static final byte[] ABSENT = new byte[0];

    private final StateView base;
    private final NavigableMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);
    /** Base values read so far (a block's overlay only; null otherwise): each key is read from the store once. */
    private final NavigableMap<byte[], byte[]> baseReads;

    public StateOverlay(StateView base) {
        this(base, false);
    }

    private StateOverlay(StateView base, boolean cacheBaseReads) {
        this.base = base;
        this.baseReads = cacheBaseReads ? new TreeMap<>(Arrays::compareUnsigned) : null;
    }

    /**
     * An overlay that remembers what it read from {@code base}: the block's overlay, whose txs
     * read the same few keys (genesis, signer, nonce, asset) again and again, and whose state-hash
     * update needs the base value of every key it wrote. Only for a base that does not change
     * while the overlay lives (the committed store while one writer applies a block).
     */
    public static StateOverlay caching(StateView base) {
        return new StateOverlay(base, true);
    }

    @Override
    public byte[] get(byte[] key) throws LedgerException {
        if (writes.containsKey(key)) {
            byte[] v = writes.get(key);
            return v == null ? null : v.clone();
        }
        if (baseReads == null) {
            return base.get(key);
        }
        byte[] v = baseValue(key);
        return v == null ? null : v.clone();
    }

    /** The base's value of {@code key} (null when absent), whatever this overlay wrote over it. Not a copy. */
    public byte[] baseValue(byte[] key) throws LedgerException {
        if (baseReads == null) {
            return base.get(key);
        }
        byte[] v = baseReads.get(key);
        if (v == null) {
            v = base.get(key);
            baseReads.put(key.clone(), v == null ? ABSENT : v);
            return v;
        }
        return v == ABSENT ? null : v;
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
