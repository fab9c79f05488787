package io.stoq.shard.codec;

import io.stoq.crypto.hash.Hash256;

/**
 * What the manifest records about one shard: plaintext length (for offsets and range reads),
 * stored length, how it was compressed, and the SHA3-256 of the stored bytes (the merkle leaf).
 */
public record ShardEntry(int plainLength, int storedLength, Compression compression, Hash256 hash) {
    public ShardEntry {
        if (plainLength < 0 || storedLength < 0) {
            throw new IllegalArgumentException("shard lengths must be >= 0");
        }
    }
}
