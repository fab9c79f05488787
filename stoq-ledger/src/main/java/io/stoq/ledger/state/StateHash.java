package io.stoq.ledger.state;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.hash.Shake256;
import io.stoq.ledger.block.ChainFormat;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The state root: a homomorphic set hash (LtHash16, Bellare-Micciancio; parameters as in Lewi et
 * al., "Securing Update Propagation with Homomorphic Hashing", 2019) over every state key/value
 * pair, finished with SHA3-256.
 *
 * <p>Each pair is expanded to 1024 16-bit lanes; the accumulator is the lane-wise sum mod 2^16 of
 * all pairs. How a pair is expanded is the chain's {@link ChainFormat}: in V2 by SHAKE256 over the
 * pair; in V3 by AES-256-CTR (zero IV) keyed with the SHA3-256 of the pair. V3 is the BLAKE2X shape
 * (one hash of the input, then a keyed expansion of that root) that Lewi et al. used: the element
 * is as unpredictable as a random oracle's output unless SHA3-256 collides or AES-256 is
 * distinguishable from a random permutation, and the root is a SHA3-256 anyway, so the set hash's
 * collision bound stays SHA3-256's. It costs one Keccak permutation and 128 AES blocks (AES-NI)
 * against 16 Keccak permutations (docs/ledger.md, "Chain formats").
 *
 * <p>Adding or removing a pair is O(1), so a block that touches k keys costs k expansions no
 * matter how large the state is, yet the result depends only on the set of pairs, not on the order
 * they were written: every node, and {@code verify} rebuilding from scratch, gets the same root.
 * We chose it over "SHA3 of the sorted state after every block" because that is O(state) per
 * block (quadratic over a chain of small blocks). It does not give per-key proofs; proofs in stoq
 * are tx inclusion proofs, which use the block's tx merkle root.
 *
 * <p>Not thread-safe: owned by the thread applying blocks.
 */
public final class StateHash {
    /** Serialized size: 1024 lanes of 2 bytes. */
    public static final int BYTES = 2048;
    private static final int LANES = BYTES / 2;
    private static final byte[] ELEMENT_DOMAIN = "stoq.state.lthash16.v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEED_DOMAIN = "stoq.state.lthash16.v3.seed\0".getBytes(StandardCharsets.US_ASCII);
    /** The plaintext the V3 keystream encrypts: zeros, so the ciphertext is the keystream itself. */
    private static final byte[] ZEROS = new byte[BYTES];
    private static final IvParameterSpec ZERO_IV = new IvParameterSpec(new byte[16]);
    /** One AES-CTR cipher per thread (expansions run on the committing thread and the common pool); re-keyed per pair. */
    private static final ThreadLocal<Cipher> CTR = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/CTR/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no AES/CTR/NoPadding", e);
        }
    });
    private static final byte[] ROOT_DOMAIN = "stoq.state.root.v1\0".getBytes(StandardCharsets.US_ASCII);

    private final ChainFormat format;
    private final char[] lanes = new char[LANES];

    /** The hash of the empty state, for a chain of {@code format}. */
    public StateHash(ChainFormat format) {
        this.format = java.util.Objects.requireNonNull(format, "format");
    }

    /** Restores an accumulator of a chain of {@code format} from {@link #toBytes()}. */
    public static StateHash fromBytes(ChainFormat format, byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("state hash is " + BYTES + " bytes, got " + bytes.length);
        }
        StateHash h = new StateHash(format);
        for (int i = 0; i < LANES; i++) {
            h.lanes[i] = (char) (((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF));
        }
        return h;
    }

    /** The chain format whose element expansion this accumulator uses. */
    public ChainFormat format() {
        return format;
    }

    public StateHash copy() {
        StateHash h = new StateHash(format);
        System.arraycopy(lanes, 0, h.lanes, 0, LANES);
        return h;
    }

    public void add(byte[] key, byte[] value) {
        byte[] e = element(key, value);
        for (int i = 0; i < LANES; i++) {
            lanes[i] += (char) (((e[2 * i] & 0xFF) << 8) | (e[2 * i + 1] & 0xFF));
        }
    }

    public void remove(byte[] key, byte[] value) {
        byte[] e = element(key, value);
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
        StateHash delta = changes.parallelStream().collect(() -> new StateHash(format),
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

    /** The pair's element: {@value #BYTES} bytes, big-endian 16-bit lanes. */
    private byte[] element(byte[] key, byte[] value) {
        return format == ChainFormat.V2 ? shake(key, value) : keystream(key, value);
    }

    private static byte[] keystream(byte[] key, byte[] value) {
        Sha3 seed = new Sha3();
        absorbPair(seed::update, SEED_DOMAIN, key, value);
        try {
            Cipher aes = CTR.get();
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed.digest().toBytes(), "AES"), ZERO_IV);
            return aes.doFinal(ZEROS);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CTR failed on a 32-byte key", e);
        }
    }

    private static byte[] shake(byte[] key, byte[] value) {
        Shake256 shake = new Shake256(); // ours: 1.2-1.4x BouncyCastle's SHAKEDigest, the same bytes (Shake256Test)
        absorbPair(shake::update, ELEMENT_DOMAIN, key, value);
        byte[] out = new byte[BYTES];
        shake.output(out, 0, BYTES);
        return out;
    }

    /** What both formats hash of a pair: {@code domain || u32 key length || key || value}. */
    private static void absorbPair(java.util.function.Consumer<byte[]> sponge, byte[] domain, byte[] key, byte[] value) {
        sponge.accept(domain);
        sponge.accept(new byte[] {(byte) (key.length >>> 24), (byte) (key.length >>> 16), (byte) (key.length >>> 8), (byte) key.length});
        sponge.accept(key);
        sponge.accept(value);
    }
}
