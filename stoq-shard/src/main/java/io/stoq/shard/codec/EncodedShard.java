package io.stoq.shard.codec;

import io.stoq.crypto.hash.Hash256;

/**
 * One shard after the pipeline: its position in the asset, its manifest entry and the stored bytes
 * (AES-GCM sealed: {@code nonce || ciphertext || tag}) whose SHA3-256 is {@code entry.hash()}.
 * {@code stored} is owned by this record and must not be modified.
 *
 * <p>A <em>reused</em> shard ({@link #reused()}, {@code stored == null}) is a chunk whose
 * plaintext the lineage already stored (same chunk id, suite 2): its entry is the earlier one,
 * and there is nothing new to store.
 */
public record EncodedShard(int index, long plainOffset, ShardEntry entry, byte[] stored) {
    public EncodedShard {
        if (stored != null && stored.length != entry.storedLength()) {
            throw new IllegalArgumentException("stored bytes and entry disagree on the length");
        }
    }

    /** A freshly sealed shard without a chunk id (suite 1). */
    public EncodedShard(int index, long plainOffset, int plainLength, Compression compression, byte[] stored, Hash256 hash) {
        this(index, plainOffset, new ShardEntry(plainLength, stored.length, compression, hash), stored);
    }

    /** The chunk at {@code index} is already stored as {@code entry}. */
    public static EncodedShard reuse(int index, long plainOffset, ShardEntry entry) {
        return new EncodedShard(index, plainOffset, entry, null);
    }

    /** True when nothing new was sealed: the lineage stores this chunk already. */
    public boolean reused() {
        return stored == null;
    }

    public int plainLength() {
        return entry.plainLength();
    }

    public Compression compression() {
        return entry.compression();
    }

    public Hash256 hash() {
        return entry.hash();
    }

    /** The keyed chunk id (suite 2), or null (suite 1). */
    public Hash256 chunkId() {
        return entry.chunkId();
    }
}
