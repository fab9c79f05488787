package io.stoq.shard.merkle;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.crypto.merkle.MerkleTree;
import io.stoq.shard.codec.ShardEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The shard side of stoq-crypto's RFC 6962 tree ({@link MerkleTree}): an asset's tree has one leaf
 * per shard, in shard order, whose leaf data is the shard's 32-byte SHA3-256, so leaf i is
 * {@code H(0x00 || sha3(stored shard i))}. The manifest signs the root.
 *
 * <p>{@link #verify} is the standalone inclusion check (RFC 9162 section 2.1.3.2): it needs only
 * the root from a signed manifest, the shard's hash and the proof, so a client can verify a shard
 * it fetched from any node without trusting that node or holding the other shards.
 *
 * <p>Stateless and thread-safe.
 */
public final class ShardMerkle {
    private ShardMerkle() {}

    /** Leaf hash of a shard: the leaf data is the shard's 32-byte SHA3-256. */
    public static Hash256 leaf(Hash256 shardHash) {
        return MerkleHash.leaf(shardHash.toBytes());
    }

    /** The tree over the given shard hashes, in shard order. */
    public static MerkleTree tree(List<Hash256> shardHashes) {
        List<Hash256> leaves = new ArrayList<>(shardHashes.size());
        for (Hash256 h : shardHashes) {
            leaves.add(leaf(h));
        }
        return MerkleTree.ofLeafHashes(leaves);
    }

    /** The tree over a manifest's shard list. */
    public static MerkleTree treeOf(List<ShardEntry> shards) {
        List<Hash256> hashes = new ArrayList<>(shards.size());
        for (ShardEntry e : shards) {
            hashes.add(e.hash());
        }
        return tree(hashes);
    }

    /**
     * True only when {@code proof} shows {@code shardHash} is leaf {@code index} of the tree of
     * {@code treeSize} leaves whose head is {@code root}. Root, size and index come from the signed
     * manifest (trusted); the proof's own copies of index and size must agree with them, because
     * an audit path alone does not pin the tree size (leaf 0's path is the same in trees of 12 and 13).
     */
    public static boolean verify(Hash256 root, int treeSize, int index, Hash256 shardHash, InclusionProof proof) {
        return proof.treeSize() == treeSize && proof.leafIndex() == index && proof.leadsTo(leaf(shardHash), root);
    }
}
