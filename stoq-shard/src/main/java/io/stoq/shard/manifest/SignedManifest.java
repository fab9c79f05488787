package io.stoq.shard.manifest;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.Hex;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.merkle.ShardMerkle;
import java.util.Arrays;

/**
 * A manifest with its SLH-DSA signature over the canonical body. Signing happens once per asset
 * version (SLH-DSA-SHA2-128F signs in tens of milliseconds; never per shard).
 *
 * <p>Only {@link #verify} makes a manifest trustworthy: it checks the signer is the trusted key,
 * the signature, and that the merkle root really is the root over the listed shard hashes.
 */
public final class SignedManifest {
    private final AssetManifest manifest;
    private final byte[] signature;
    private final byte[] body;
    private final byte[] encoded;

    SignedManifest(AssetManifest manifest, byte[] signature, byte[] body, byte[] encoded) {
        this.manifest = manifest;
        this.signature = signature;
        this.body = body;
        this.encoded = encoded;
    }

    /** Signs {@code manifest} with {@code key}, whose public half must be the manifest's signer. */
    public static SignedManifest sign(AssetManifest manifest, SigningKey key) throws ShardException {
        if (key.algorithm() != manifest.signer() || !Arrays.equals(key.publicKey().getEncoded(), manifest.signerSpki())) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "the signing key is not the manifest's declared signer");
        }
        byte[] body = ManifestCodec.encodeBody(manifest);
        byte[] signature;
        try {
            signature = key.sign(body);
        } catch (CryptoException e) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "cannot sign the manifest: " + e.getMessage(), e);
        }
        return new SignedManifest(manifest, signature, body, ManifestCodec.encode(manifest, signature));
    }

    public static SignedManifest decode(byte[] encoded) throws ShardException {
        return ManifestCodec.decode(encoded);
    }

    public AssetManifest manifest() {
        return manifest;
    }

    public byte[] encoded() {
        return encoded.clone();
    }

    /** SHA3-256 of the encoded manifest: how the ledger refers to this asset version. */
    public Hash256 digest() {
        return Sha3.hash(encoded);
    }

    /**
     * Checks that {@code trusted} signed this manifest and that it is internally consistent.
     * Failures name the reason: an untrusted signer, a signature that does not verify (with a hint
     * when the shard list no longer matches the merkle root), or an inconsistent root.
     */
    public AssetManifest verify(VerifyingKey trusted) throws ShardException {
        if (!Arrays.equals(trusted.spki(), manifest.signerSpki())) {
            throw new ShardException(ShardErrorCode.MANIFEST_SIGNATURE_INVALID, "manifest is signed by key "
                    + Sha3.hash(manifest.signerSpki()).toHex().substring(0, 16) + ", not the trusted key "
                    + trusted.fingerprint().toHex().substring(0, 16));
        }
        boolean rootMatches = computedRoot().equals(manifest.merkleRoot());
        if (!trusted.verify(body, signature)) {
            throw new ShardException(ShardErrorCode.MANIFEST_SIGNATURE_INVALID, "manifest signature does not verify: "
                    + (rootMatches ? "a manifest field or the signature was altered"
                            : "the shard hash list does not match the merkle root (a shard hash or the root was altered)"));
        }
        if (!rootMatches) {
            throw ManifestCodec.malformed("merkle root " + manifest.merkleRoot().toHex()
                    + " is not the root of the listed shard hashes");
        }
        return manifest;
    }

    private Hash256 computedRoot() {
        return ShardMerkle.treeOf(manifest.shards()).root();
    }

    @Override
    public String toString() {
        return "SignedManifest[asset=" + manifest.assetId() + " v" + manifest.version()
                + " shards=" + manifest.shards().size() + " sig=" + Hex.encode(Arrays.copyOf(signature, 4)) + "...]";
    }
}
