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
 *
 * <p>{@code pieces} is null for a version whose shards are stored whole (replicas, or a node on
 * its own); for {@code erasure:K+M} it lists each shard's pieces (schema 3, {@link PieceLayouts}).
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
        List<WrappedAssetKey> keys,
        int suite,
        PieceLayouts pieces) {

    /**
     * The cipher suite every v1 manifest uses: zstd, AES-256-GCM, HKDF-SHA3-256 shard keys,
     * SHA3-256 shard hashes, RFC 6962 merkle tree over SHA3-256. A new suite gets a new code.
     */
    public static final int SUITE_V1 = 1;
    /**
     * Suite 2: as suite 1, but the wrapped key is the asset's lineage secret (the same for all its
     * versions) and each shard's key derives from its chunk id, listed in the manifest, so
     * versions share unchanged shards ({@code ShardCodec}).
     */
    public static final int SUITE_V2 = 2;

    public AssetManifest {
        shards = List.copyOf(shards);
        keys = List.copyOf(keys);
        if (suite != SUITE_V1 && suite != SUITE_V2) {
            throw new IllegalArgumentException("unknown cipher suite " + suite);
        }
        for (ShardEntry e : shards) {
            if ((e.chunkId() != null) != (suite == SUITE_V2)) {
                throw new IllegalArgumentException("suite " + suite + " manifests list chunk ids " + (suite == SUITE_V2 ? "for every shard" : "for none"));
            }
        }
        if (pieces != null) {
            if (pieces.shards().size() != shards.size()) {
                throw new IllegalArgumentException("the piece layouts list " + pieces.shards().size() + " shards, the manifest "
                        + shards.size());
            }
            for (int i = 0; i < shards.size(); i++) {
                int expected = PieceLayouts.pieceSize(shards.get(i).storedLength(), pieces.k());
                if (pieces.shards().get(i).pieceSize() != expected) {
                    throw new IllegalArgumentException("shard " + i + " of " + shards.get(i).storedLength() + " bytes has pieces of "
                            + expected + " bytes under k=" + pieces.k() + ", not " + pieces.shards().get(i).pieceSize());
                }
            }
        }
    }

    /** A manifest whose shards are stored whole (no piece layouts). */
    public AssetManifest(AssetId assetId, long version, ContentFormat format, long plainSize, ChunkingInfo chunking,
            int zstdLevel, List<ShardEntry> shards, Hash256 merkleRoot, List<WrappedAssetKey> keys, int suite) {
        this(assetId, version, format, plainSize, chunking, zstdLevel, shards, merkleRoot, keys, suite, null);
    }

    /** The same manifest with its shards stored as {@code layouts} says (an erasure-coded version). */
    public AssetManifest withPieces(PieceLayouts layouts) {
        return new AssetManifest(assetId, version, format, plainSize, chunking, zstdLevel, shards, merkleRoot, keys, suite, layouts);
    }

    /** A suite-1 manifest. */
    public AssetManifest(AssetId assetId, long version, ContentFormat format, long plainSize, ChunkingInfo chunking,
            int zstdLevel, List<ShardEntry> shards, Hash256 merkleRoot, List<WrappedAssetKey> keys) {
        this(assetId, version, format, plainSize, chunking, zstdLevel, shards, merkleRoot, keys, SUITE_V1, null);
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
