package io.stoq.shard.merkle;

import io.stoq.crypto.hash.Hash256;
import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 6962 merkle tree over an asset's shard hashes, kept level by level so that the root and
 * every inclusion proof come from one build.
 *
 * <p>Building bottom-up and promoting an unpaired last node unchanged to the next level gives
 * exactly RFC 6962's tree (left subtree = the largest power of two smaller than n), and the audit
 * path of leaf m is its sibling on each level where it has one.
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

    /** Builds the tree whose leaves are the given shard hashes (the leaf data), in shard order. */
    public static MerkleTree of(List<Hash256> shardHashes) {
        Hash256[] level = new Hash256[shardHashes.size()];
        for (int i = 0; i < level.length; i++) {
            level[i] = MerkleHash.leaf(shardHashes.get(i));
        }
        List<Hash256[]> levels = new ArrayList<>();
        levels.add(level);
        while (level.length > 1) {
            Hash256[] up = new Hash256[(level.length + 1) / 2];
            for (int i = 0; i < up.length; i++) {
                int l = 2 * i;
                up[i] = l + 1 < level.length ? MerkleHash.node(level[l], level[l + 1]) : level[l];
            }
            levels.add(up);
            level = up;
        }
        return new MerkleTree(levels, shardHashes.size());
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
