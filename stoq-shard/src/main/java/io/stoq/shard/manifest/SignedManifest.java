package io.stoq.shard.manifest;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.Hex;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.util.Arrays;
import java.util.List;

/**
 * A manifest body with what vouches for it: a {@link BatchSeal} (schema 2, what this build writes:
 * one SLH-DSA signature per batch of manifests, this manifest's inclusion proof in the batch) or a
 * {@link SingleSignature} (schema 1, read only). Made by a {@link ManifestSigner}, or parsed by
 * {@link #decode}.
 *
 * <p>Only a {@link ManifestVerifier} (or {@link #verify}) makes a manifest trustworthy.
 * Immutable; safe to share between threads.
 */
public final class SignedManifest {
    private final AssetManifest manifest;
    private final ManifestSignature signature;
    private final byte[] body;
    private final byte[] encoded;

    SignedManifest(AssetManifest manifest, ManifestSignature signature, byte[] body, byte[] encoded) {
        this.manifest = manifest;
        this.signature = signature;
        this.body = body;
        this.encoded = encoded;
    }

    /** Parses an encoded manifest of either schema without verifying it. */
    public static SignedManifest decode(byte[] encoded) throws ShardException {
        return ManifestCodec.decode(encoded);
    }

    /**
     * A schema-1 manifest signed on its own, as nodes and {@code stoq shard encode} made them
     * before batch signing. Only to produce such manifests for tests of the read path.
     */
    static SignedManifest signSingle(AssetManifest manifest, SigningKey key) throws ShardException {
        byte[] body = ManifestCodec.encodeSingleBody(manifest, key.algorithm(), key.publicKey().getEncoded());
        try {
            SingleSignature s = new SingleSignature(key.algorithm(), key.publicKey().getEncoded(), key.sign(body));
            return new SignedManifest(manifest, s, body, ManifestCodec.encode(body, s));
        } catch (CryptoException e) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "cannot sign the manifest: " + e.getMessage(), e);
        }
    }

    /**
     * The sealed manifest of {@code body} under {@code seal} (schema 2, the same bytes a
     * {@link BatchSigner} makes): how a node joins a stored body with the seal its sealer stored
     * beside it. Not verified; see {@link ManifestVerifier}.
     */
    public static SignedManifest of(ManifestBody body, BatchSeal seal) {
        byte[] bytes = body.shared();
        return new SignedManifest(body.manifest(), seal, bytes, ManifestCodec.encode(bytes, seal));
    }

    /** SHA3-256 of the body alone (what a seal-after-commit ledger tx names; see {@link ManifestBody}). */
    public Hash256 bodyDigest() {
        return Sha3.hash(body);
    }

    public AssetManifest manifest() {
        return manifest;
    }

    /** The batch seal (schema 2) or single signature (schema 1). */
    public ManifestSignature signature() {
        return signature;
    }

    /** The schema this manifest was encoded with: 3 (batch seal, piece layouts), 2 (batch seal) or 1 (single signature). */
    public int schema() {
        if (!(signature instanceof BatchSeal)) {
            return ManifestCodec.SCHEMA_SINGLE;
        }
        return manifest.pieces() != null ? ManifestCodec.SCHEMA_PIECES : ManifestCodec.SCHEMA_VERSION;
    }

    public byte[] encoded() {
        return encoded.clone();
    }

    /** SHA3-256 of the encoded manifest, seal included: how the node stores and the ledger names this version. */
    public Hash256 digest() {
        return Sha3.hash(encoded);
    }

    /** The body's bytes, shared: callers in this package must not modify them. */
    byte[] body() {
        return body;
    }

    /** Checks this manifest against one trusted key; see {@link ManifestVerifier#verify}. */
    public AssetManifest verify(VerifyingKey trusted) throws ShardException {
        return new ManifestVerifier(List.of(trusted), 0).verify(this);
    }

    @Override
    public String toString() {
        String how = signature instanceof BatchSeal seal
                ? "batch leaf " + seal.leafIndex() + "/" + seal.batchSize() + " root " + seal.batchRoot().toHex().substring(0, 8)
                : "single";
        return "SignedManifest[asset=" + manifest.assetId() + " v" + manifest.version() + " shards=" + manifest.shards().size()
                + " " + how + " sig=" + Hex.encode(Arrays.copyOf(signature.signature(), 4)) + "...]";
    }
}
