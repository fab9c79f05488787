package io.stoq.shard.codec;

import io.stoq.crypto.hash.Hash256;

/**
 * One shard after the pipeline: its position in the asset, and the stored bytes (AES-GCM sealed:
 * {@code nonce || ciphertext || tag}) whose SHA3-256 is {@code hash}. {@code stored} is owned by
 * this record and must not be modified.
 */
public record EncodedShard(int index, long plainOffset, int plainLength, Compression compression, byte[] stored, Hash256 hash) {
    public ShardEntry entry() {
        return new ShardEntry(plainLength, stored.length, compression, hash);
    }
}
