package io.stoq.shard.manifest;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.kem.KeyWrapper;
import io.stoq.shard.AssetId;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Wraps a random per-asset-version key to ML-KEM recipients and unwraps it again. The wrap context
 * binds asset id and version, so a wrapped key copied into another manifest does not unwrap.
 */
public final class AssetKeys {
    private static final byte[] CONTEXT = "stoq/asset-key/v1".getBytes(StandardCharsets.US_ASCII);

    private AssetKeys() {}

    public static List<WrappedAssetKey> wrap(byte[] assetKey, AssetId assetId, long version, List<PublicKey> recipients)
            throws ShardException {
        List<WrappedAssetKey> out = new ArrayList<>();
        for (PublicKey recipient : recipients) {
            try {
                KemAlgorithm kem = KemAlgorithm.of(recipient);
                out.add(new WrappedAssetKey(fingerprint(recipient),
                        KeyWrapper.wrap(kem, recipient, assetKey, context(assetId, version))));
            } catch (CryptoException e) {
                throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "cannot wrap the asset key: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * The asset key of {@code manifest} for the holder of {@code privateKey}/{@code publicKey}.
     * Fails with {@link ShardErrorCode#WRONG_KEY} when the manifest has no entry for this key or
     * the entry does not unwrap.
     */
    public static byte[] unwrap(AssetManifest manifest, PrivateKey privateKey, PublicKey publicKey) throws ShardException {
        Hash256 me = fingerprint(publicKey);
        for (WrappedAssetKey k : manifest.keys()) {
            if (k.recipient().equals(me)) {
                try {
                    return KeyWrapper.unwrap(privateKey, k.wrapped(), context(manifest.assetId(), manifest.version()));
                } catch (CryptoException e) {
                    throw new ShardException(ShardErrorCode.WRONG_KEY,
                            "the asset key does not unwrap with this ML-KEM key: " + e.getMessage(), e);
                }
            }
        }
        throw new ShardException(ShardErrorCode.WRONG_KEY, "the manifest holds no asset key for ML-KEM key "
                + me.toHex().substring(0, 16) + " (" + manifest.keys().size() + " recipients)");
    }

    /**
     * Unwraps {@code wrapped}, a wrap of {@code manifest}'s asset key made apart from the manifest
     * (a key rotation's re-wrap): the same context binds it to the manifest's asset id and version.
     * {@link ShardErrorCode#WRONG_KEY} when it does not unwrap with {@code privateKey}.
     */
    public static byte[] unwrap(AssetManifest manifest, KeyWrapper.WrappedKey wrapped, PrivateKey privateKey) throws ShardException {
        try {
            return KeyWrapper.unwrap(privateKey, wrapped, context(manifest.assetId(), manifest.version()));
        } catch (CryptoException e) {
            throw new ShardException(ShardErrorCode.WRONG_KEY, "the re-wrapped asset key does not unwrap with this ML-KEM key: "
                    + e.getMessage(), e);
        }
    }

    public static Hash256 fingerprint(PublicKey key) {
        return Sha3.hash(key.getEncoded());
    }

    private static byte[] context(AssetId assetId, long version) {
        return ByteBuffer.allocate(CONTEXT.length + AssetId.LENGTH + 8).put(CONTEXT).put(assetId.toBytes()).putLong(version).array();
    }
}
