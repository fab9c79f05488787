package io.stoq.crypto.merkle;

import io.stoq.crypto.hash.Hash256;
import java.util.List;

/**
 * An RFC 6962 / RFC 9162 audit path: the sibling hashes, bottom-up, from leaf {@code leafIndex} to
 * the root of a tree of {@code treeSize} leaves. Build one with {@link MerkleTree#proof(int)}; each
 * module writes it in its own encoding (shard proof files, ledger proof bundles).
 *
 * <p>Trust: the path alone does not pin the tree size or the leaf index (leaf 0's path is the same
 * in trees of 12 and 13 leaves, and the last leaf of a tree of 3 also proves as leaf 1 of a tree of
 * 2). {@link #rootFrom} therefore uses the proof's own index and size, and a caller that knows the
 * real ones from signed data (a manifest, a block header) must compare them before trusting the
 * result.
 */
public record InclusionProof(int leafIndex, int treeSize, List<Hash256> path) {
    public InclusionProof {
        path = List.copyOf(path);
    }

    /**
     * The root this path leads to from {@code leafHash} (already leaf-hashed, see
     * {@link MerkleHash#leaf}) by RFC 9162 section 2.1.3.2, or null when the proof's shape is
     * wrong for its index and size (index outside the tree, path too long or too short).
     */
    public Hash256 rootFrom(Hash256 leafHash) {
        long fn = leafIndex;
        long sn = treeSize - 1L;
        if (fn < 0 || fn > sn) {
            return null;
        }
        Hash256 r = leafHash;
        for (Hash256 p : path) {
            if (sn == 0) {
                return null; // path longer than the tree is tall
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = MerkleHash.node(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = MerkleHash.node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 ? r : null; // a short path never reaches the root
    }

    /**
     * How many hashes the path of leaf {@code leafIndex} in a tree of {@code treeSize} leaves has,
     * by the same walk as {@link #rootFrom}; -1 when the index is outside the tree. A decoder can
     * refuse a path of the wrong length before it hashes anything.
     */
    public static int pathLength(int leafIndex, int treeSize) {
        long fn = leafIndex;
        long sn = treeSize - 1L;
        if (fn < 0 || fn > sn) {
            return -1;
        }
        int length = 0;
        while (sn != 0) {
            if ((fn & 1) == 0 && fn == sn) {
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            length++;
            fn >>= 1;
            sn >>= 1;
        }
        return length;
    }

    /**
     * True when this path leads from {@code leafHash} to {@code root}. Checks only the hashes:
     * see the class comment for pinning {@link #leafIndex} and {@link #treeSize}.
     */
    public boolean leadsTo(Hash256 leafHash, Hash256 root) {
        return root.equals(rootFrom(leafHash));
    }
}
