package io.stoq.ledger.block;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6962 / RFC 9162 merkle tree over SHA3-256 with domain separation: leaf = H(0x00||data),
 * node = H(0x01||left||right), the empty tree's root is H(""). Unbalanced trees split at the largest
 * power of two below the size, so proofs are at most ceil(log2 n) hashes and any RFC 9162 verifier
 * (with SHA3-256 swapped in) checks them. Written here rather than taken from a library because
 * BouncyCastle has no generic RFC 6962 tree and the algorithm is ~100 lines; the stoq-shard module
 * uses the same construction for manifests.
 *
 * <p>Stateless and thread-safe.
 */
public final class MerkleTree {
    private static final byte[] LEAF = {0x00};
    private static final byte[] NODE = {0x01};

    private MerkleTree() {}

    public static Hash256 leafHash(byte[] data) {
        return new Sha3().update(LEAF).update(data).digest();
    }

    static Hash256 nodeHash(Hash256 left, Hash256 right) {
        return new Sha3().update(NODE).update(left.toBytes()).update(right.toBytes()).digest();
    }

    /** Root over leaf data items (each hashed with the leaf prefix). */
    public static Hash256 rootOfData(List<byte[]> data) {
        List<Hash256> leaves = new ArrayList<>(data.size());
        data.forEach(d -> leaves.add(leafHash(d)));
        return root(leaves);
    }

    /** Root over already-computed leaf hashes. */
    public static Hash256 root(List<Hash256> leafHashes) {
        if (leafHashes.isEmpty()) {
            return Sha3.hash(new byte[0]);
        }
        return subtree(leafHashes, 0, leafHashes.size());
    }

    private static Hash256 subtree(List<Hash256> leaves, int from, int to) {
        int n = to - from;
        if (n == 1) {
            return leaves.get(from);
        }
        int k = splitPoint(n);
        return nodeHash(subtree(leaves, from, from + k), subtree(leaves, from + k, to));
    }

    /** Largest power of two strictly below {@code n} (n >= 2). */
    private static int splitPoint(int n) {
        return Integer.highestOneBit(n - 1);
    }

    /** Audit path for leaf {@code index} among {@code leafHashes}. */
    public static InclusionProof prove(List<Hash256> leafHashes, int index) {
        if (index < 0 || index >= leafHashes.size()) {
            throw new IllegalArgumentException("leaf " + index + " outside a tree of " + leafHashes.size());
        }
        List<Hash256> path = new ArrayList<>();
        path(leafHashes, index, 0, leafHashes.size(), path);
        return new InclusionProof(index, leafHashes.size(), List.copyOf(path));
    }

    private static void path(List<Hash256> leaves, int m, int from, int to, List<Hash256> out) {
        int n = to - from;
        if (n <= 1) {
            return;
        }
        int k = splitPoint(n);
        if (m < k) {
            path(leaves, m, from, from + k, out);
            out.add(subtree(leaves, from + k, to));
        } else {
            path(leaves, m - k, from + k, to, out);
            out.add(subtree(leaves, from, from + k));
        }
    }

    /** RFC 9162 section 2.1.3.2: does {@code proof} put {@code leafHash} under {@code root}? */
    public static boolean verify(Hash256 leafHash, InclusionProof proof, Hash256 root) {
        long fn = proof.index();
        long sn = proof.treeSize() - 1;
        if (proof.index() < 0 || proof.index() >= proof.treeSize()) {
            return false;
        }
        Hash256 r = leafHash;
        for (Hash256 p : proof.path()) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.equals(root);
    }
}
