package io.stoq.ledger.state;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.hash.Shake256;
import java.nio.charset.StandardCharsets;

/**
 * The state root: a homomorphic set hash (LtHash16, Bellare-Micciancio; parameters as in Lewi et
 * al., "Securing Update Propagation with Homomorphic Hashing", 2019) over every state key/value
 * pair, finished with SHA3-256.
 *
 * <p>Each pair is expanded with SHAKE256 to 1024 16-bit lanes; the accumulator is the lane-wise sum
 * mod 2^16 of all pairs. Adding or removing a pair is O(1), so a block that touches k keys costs k
 * expansions no matter how large the state is, yet the result depends only on the set of pairs, not
 * on the order they were written: every node, and {@code verify} rebuilding from scratch, gets the
 * same root. We chose it over "SHA3 of the sorted state after every block" because that is O(state)
 * per block (quadratic over a chain of small blocks). It does not give per-key proofs; proofs in
 * stoq are tx inclusion proofs, which use the block's tx merkle root.
 *
 * <p>Not thread-safe: owned by the thread applying blocks.
 */
public final class StateHash {
    /** Serialized size: 1024 lanes of 2 bytes. */
    public static final int BYTES = 2048;
    private static final int LANES = BYTES / 2;
    private static final byte[] ELEMENT_DOMAIN = "stoq.state.lthash16.v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROOT_DOMAIN = "stoq.state.root.v1\0".getBytes(StandardCharsets.US_ASCII);

    private final char[] lanes = new char[LANES];

    public StateHash() {}

    /** Restores an accumulator from {@link #toBytes()}. */
    public static StateHash fromBytes(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("state hash is " + BYTES + " bytes, got " + bytes.length);
        }
        StateHash h = new StateHash();
        for (int i = 0; i < LANES; i++) {
            h.lanes[i] = (char) (((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF));
        }
        return h;
    }

    public StateHash copy() {
        StateHash h = new StateHash();
        System.arraycopy(lanes, 0, h.lanes, 0, LANES);
        return h;
    }

    public void add(byte[] key, byte[] value) {
        byte[] e = expand(key, value);
        for (int i = 0; i < LANES; i++) {
            lanes[i] += (char) (((e[2 * i] & 0xFF) << 8) | (e[2 * i + 1] & 0xFF));
        }
    }

    public void remove(byte[] key, byte[] value) {
        byte[] e = expand(key, value);
        for (int i = 0; i < LANES; i++) {
            lanes[i] -= (char) (((e[2 * i] & 0xFF) << 8) | (e[2 * i + 1] & 0xFF));
        }
    }

    /** Replaces {@code key}'s pair: {@code oldValue} null means it was absent, {@code newValue} null that it goes away. */
    public void update(byte[] key, byte[] oldValue, byte[] newValue) {
        if (oldValue != null) {
            remove(key, oldValue);
        }
        if (newValue != null) {
            add(key, newValue);
        }
    }

    /** One key's change: {@code oldValue} null = was absent, {@code newValue} null = removed. */
    public record Change(byte[] key, byte[] oldValue, byte[] newValue) {}

    /**
     * Applies many changes. With {@code parallel} the expansions run on the common fork-join pool,
     * each worker summing into its own accumulator; lane-wise addition mod 2^16 is commutative and
     * associative, so the result is bit-identical to the sequential one.
     */
    public void updateAll(java.util.List<Change> changes, boolean parallel) {
        if (!parallel || changes.size() < 64) {
            changes.forEach(c -> update(c.key(), c.oldValue(), c.newValue()));
            return;
        }
        StateHash delta = changes.parallelStream().collect(StateHash::new,
                (acc, c) -> acc.update(c.key(), c.oldValue(), c.newValue()), StateHash::addAll);
        addAll(delta);
    }

    private void addAll(StateHash other) {
        for (int i = 0; i < LANES; i++) {
            lanes[i] += other.lanes[i];
        }
    }

    public byte[] toBytes() {
        byte[] out = new byte[BYTES];
        for (int i = 0; i < LANES; i++) {
            out[2 * i] = (byte) (lanes[i] >>> 8);
            out[2 * i + 1] = (byte) lanes[i];
        }
        return out;
    }

    /** SHA3-256 over the domain tag and the accumulator: the value block headers carry. */
    public Hash256 root() {
        return new Sha3().update(ROOT_DOMAIN).update(toBytes()).digest();
    }

    private static byte[] expand(byte[] key, byte[] value) {
        Shake256 shake = new Shake256(); // ours: 1.2-1.4x BouncyCastle's SHAKEDigest, the same bytes (Shake256Test)
        shake.update(ELEMENT_DOMAIN);
        shake.update((byte) (key.length >>> 24));
        shake.update((byte) (key.length >>> 16));
        shake.update((byte) (key.length >>> 8));
        shake.update((byte) key.length);
        shake.update(key);
        shake.update(value);
        byte[] out = new byte[BYTES];
        shake.output(out, 0, BYTES);
        return out;
    }
}
