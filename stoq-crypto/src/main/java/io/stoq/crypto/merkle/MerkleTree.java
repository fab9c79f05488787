package io.stoq.crypto.merkle;

import io.stoq.crypto.hash.Hash256;
import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 6962 / RFC 9162 merkle tree over SHA3-256 (hashing rules in {@link MerkleHash}), kept
 * level by level so that the root and every inclusion proof come from one build: n-1 node hashes
 * in all, then O(log n) per proof.
 *
 * <p>Building bottom-up and promoting an unpaired last node unchanged to the next level gives
 * exactly RFC 6962's tree (left subtree = the largest power of two smaller than n), and the audit
 * path of leaf m is its sibling on each level where it has one; the tests check both against the
 * RFC's recursive definitions. Written here rather than taken from a library because
 * BouncyCastle has no generic RFC 6962 tree and the algorithm is this short. Used by stoq-shard
 * (manifest root over shard hashes) and stoq-ledger (block tx root).
 *
 * <p>Immutable after construction; safe to share between threads.
 */
public final class MerkleTree {
    private final List<Hash256[]> levels;
    private final int size;

    private MerkleTree(List<Hash256[]> levels, int size) {
        this.levels = levels;
        this.size = size;
    }

    /** Builds the tree over already-computed leaf hashes ({@link MerkleHash#leaf}), in leaf order. */
    public static MerkleTree ofLeafHashes(List<Hash256> leafHashes) {
        Hash256[] level = leafHashes.toArray(new Hash256[0]);
        List<Hash256[]> levels = new ArrayList<>();
        levels.add(level);
        while (level.length > 1) {
            level = up(level);
            levels.add(level);
        }
        return new MerkleTree(levels, leafHashes.size());
    }

    /**
     * The level above {@code level}: each pair hashed, an unpaired last node promoted. The pairs'
     * loop has no branch. With the unpaired-node test inside the loop, C2's compiled code kept
     * failing a loop predicate it had built from the profile (JFR: deoptimization reason
     * {@code profile_predicate} at that loop) and the method was recompiled again and again during
     * {@code stoq bench ledger}'s timed commit; written this way it was not seen trapping.
     */
    private static Hash256[] up(Hash256[] level) {
        int pairs = level.length / 2;
        Hash256[] up = new Hash256[(level.length + 1) / 2];
        for (int i = 0; i < pairs; i++) {
            up[i] = MerkleHash.node(level[2 * i], level[2 * i + 1]);
        }
        if (up.length > pairs) {
            up[pairs] = level[level.length - 1];
        }
        return up;
    }

    /** Builds the tree whose leaves are {@code data} items, each leaf-hashed. */
    public static MerkleTree ofData(List<byte[]> data) {
        List<Hash256> leaves = new ArrayList<>(data.size());
        data.forEach(d -> leaves.add(MerkleHash.leaf(d)));
        return ofLeafHashes(leaves);
    }

    /** Number of leaves. */
    public int size() {
        return size;
    }

    /** The tree head; {@code H("")} for an empty tree. */
    public Hash256 root() {
        return size == 0 ? MerkleHash.empty() : levels.get(levels.size() - 1)[0];
    }

    /** The audit path proving leaf {@code index} is in this tree. */
    public InclusionProof proof(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("leaf " + index + " not in a tree of " + size);
        }
        List<Hash256> path = new ArrayList<>();
        int m = index;
        for (int d = 0; d < levels.size() - 1; d++) {
            Hash256[] level = levels.get(d);
            int sibling = m ^ 1;
            if (sibling < level.length) {
                path.add(level[sibling]);
            }
            m >>= 1;
        }
        return new InclusionProof(index, size, path);
    }
}
