package io.stoq.shard.manifest;

import io.stoq.crypto.hash.Hash256;
import io.stoq.shard.AssetId;
import io.stoq.shard.analyze.ContentFormat;
import io.stoq.shard.codec.ShardEntry;
import java.util.List;

/**
 * Everything needed to find, verify, decrypt and reassemble one asset version, except the shard
 * bytes and the recipient's private key: the unsigned body of a {@link SignedManifest}. Who signed
 * it is not part of the body: that is in the {@link ManifestSignature} beside it.
 */
public record AssetManifest(
        AssetId assetId,
        long version,
        ContentFormat format,
        long plainSize,
        ChunkingInfo chunking,
        int zstdLevel,
        List<ShardEntry> shards,
        Hash256 merkleRoot,
        List<WrappedAssetKey> keys) {

    /**
     * The cipher suite every v1 manifest uses: zstd, AES-256-GCM, HKDF-SHA3-256 shard keys,
     * SHA3-256 shard hashes, RFC 6962 merkle tree over SHA3-256. A new suite gets a new code.
     */
    public static final int SUITE_V1 = 1;

    public AssetManifest {
        shards = List.copyOf(shards);
        keys = List.copyOf(keys);
    }

    /** Plaintext offset of shard {@code index}: the sum of the lengths before it. */
    public long offsetOf(int index) {
        long offset = 0;
        for (int i = 0; i < index; i++) {
            offset += shards.get(i).plainLength();
        }
        return offset;
    }

    /** Bytes stored for all shards. */
    public long storedSize() {
        long total = 0;
        for (ShardEntry e : shards) {
            total += e.storedLength();
        }
        return total;
    }
}
