package io.stoq.crypto.merkle;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;

/**
 * The RFC 6962 (section 2.1) hashing rules over SHA3-256: a leaf is {@code H(0x00 || data)}, an
 * interior node {@code H(0x01 || left || right)}, the empty tree {@code H("")}. The distinct
 * prefixes make a leaf impossible to pass off as a node (second-preimage protection).
 *
 * <p>Stateless and thread-safe.
 */
public final class MerkleHash {
    private static final byte[] LEAF = {0x00};
    private static final byte[] NODE = {0x01};
    private static final Hash256 EMPTY = Sha3.hash(new byte[0]);

    private MerkleHash() {}

    /** {@code H(0x00 || data)}. */
    public static Hash256 leaf(byte[] data) {
        return new Sha3().update(LEAF).update(data).digest();
    }

    /** {@code H(0x01 || left || right)}. */
    public static Hash256 node(Hash256 left, Hash256 right) {
        return new Sha3().update(NODE).update(left).update(right).digest();
    }

    /** The root of a tree with no leaves: {@code H("")}. */
    public static Hash256 empty() {
        return EMPTY;
    }
}
