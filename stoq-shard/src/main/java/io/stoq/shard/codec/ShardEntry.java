package io.stoq.shard.codec;

import io.stoq.crypto.hash.Hash256;

/**
 * What the manifest records about one shard: plaintext length (for offsets and range reads),
 * stored length, how it was compressed, the SHA3-256 of the stored bytes (the merkle leaf) and,
 * in suite 2, the chunk id: a keyed hash of the plaintext under the lineage secret, from which
 * the shard key derives (null in suite 1, where the key derives from the index).
 */
public record ShardEntry(int plainLength, int storedLength, Compression compression, Hash256 hash, Hash256 chunkId) {
    public ShardEntry {
        if (plainLength < 0 || storedLength < 0) {
            throw new IllegalArgumentException("shard lengths must be >= 0");
        }
    }

    /** A suite-1 entry (no chunk id). */
    public ShardEntry(int plainLength, int storedLength, Compression compression, Hash256 hash) {
        this(plainLength, storedLength, compression, hash, null);
    }
}
