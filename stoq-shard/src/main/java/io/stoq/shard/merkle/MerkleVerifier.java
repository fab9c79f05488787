package io.stoq.shard.merkle;

import io.stoq.crypto.hash.Hash256;
import java.util.List;

/**
 * Standalone inclusion-proof check (RFC 9162 section 2.1.3.2): needs only the root from a signed
 * manifest, the shard's hash and the proof, so a client can verify a shard it fetched from any
 * node without trusting that node or holding the other shards.
 */
public final class MerkleVerifier {
    private MerkleVerifier() {}

    /**
     * True only when {@code proof} shows {@code shardHash} is leaf {@code index} of the tree of
     * {@code treeSize} leaves whose head is {@code root}. Root, size and index come from the signed
     * manifest (trusted); the proof's own copies of index and size must agree with them, because
     * an audit path alone does not pin the tree size (leaf 0's path is the same in trees of 12 and 13).
     */
    public static boolean verify(Hash256 root, int treeSize, int index, Hash256 shardHash, InclusionProof proof) {
        return proof.treeSize() == treeSize && proof.leafIndex() == index && root.equals(rootFrom(shardHash, proof));
    }

    /** The root the proof leads to from {@code shardHash}, or null when the proof's shape is wrong. */
    public static Hash256 rootFrom(Hash256 shardHash, InclusionProof proof) {
        long fn = proof.leafIndex();
        long sn = proof.treeSize() - 1L;
        if (fn < 0 || fn > sn) {
            return null;
        }
        Hash256 r = MerkleHash.leaf(shardHash);
        List<Hash256> path = proof.path();
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
}
