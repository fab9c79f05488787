package io.stoq.shard.manifest;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.merkle.ShardMerkle;

/**
 * A schema-2 manifest body without its seal: everything a {@link BatchSeal} covers, through its
 * leaf {@code H(0x00 || SHA3-256(body))}. A node stores this form, and its ledger tx names
 * {@link #digest() SHA3-256 of it}, from the ledger commit of an upload until the node's sealer
 * signs the bodies of the last interval in one batch ("seal after commit", docs/shard.md). The
 * sealed manifest is the same body with the seal appended ({@link SignedManifest#of}), so its
 * body digest is unchanged by the seal and the tx stays true of it.
 *
 * <p>Until then the ledger's hash is what vouches for the body: {@link #verify} checks the bytes
 * against it (the seal, made later, attests the same bytes with the node's SLH-DSA key).
 * Immutable; safe to share between threads.
 */
public final class ManifestBody {
    private final AssetManifest manifest;
    private final byte[] bytes;
    private final Hash256 digest;

    private ManifestBody(AssetManifest manifest, byte[] bytes) {
        this.manifest = manifest;
        this.bytes = bytes;
        this.digest = Sha3.hash(bytes);
    }

    /** The body of {@code manifest} (schema 2, suite as given). */
    public static ManifestBody of(AssetManifest manifest) {
        return new ManifestBody(manifest, ManifestCodec.encodeBody(manifest));
    }

    /** Parses a stored body without checking it against anything (see {@link #verify}). */
    public static ManifestBody decode(byte[] bytes) throws ShardException {
        byte[] copy = bytes.clone();
        return new ManifestBody(ManifestCodec.decodeBody(copy), copy);
    }

    /**
     * Parses {@code bytes} and checks them against {@code named}, the body hash a committed ledger
     * tx names: {@link ShardErrorCode#MANIFEST_SIGNATURE_INVALID} when the hash differs, then
     * {@link ShardErrorCode#MALFORMED_MANIFEST} when the merkle root is not the root of the listed
     * shard hashes (as {@link ManifestVerifier} checks for a sealed manifest).
     */
    public static ManifestBody verify(byte[] bytes, Hash256 named) throws ShardException {
        Hash256 actual = Sha3.hash(bytes);
        if (!actual.equals(named)) {
            throw new ShardException(ShardErrorCode.MANIFEST_SIGNATURE_INVALID, "manifest body hashes to "
                    + actual.toHex().substring(0, 16) + ", not " + named.toHex().substring(0, 16)
                    + " as its ledger tx names: the stored body was altered");
        }
        ManifestBody body = decode(bytes);
        if (!ShardMerkle.treeOf(body.manifest.shards()).root().equals(body.manifest.merkleRoot())) {
            throw ManifestCodec.malformed("merkle root " + body.manifest.merkleRoot().toHex()
                    + " is not the root of the listed shard hashes");
        }
        return body;
    }

    public AssetManifest manifest() {
        return manifest;
    }

    /** The encoded body (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Encoded length in bytes. */
    public int length() {
        return bytes.length;
    }

    /** SHA3-256 of the body: what a seal-after-commit ledger tx names, and the seal's leaf data. */
    public Hash256 digest() {
        return digest;
    }

    /** The shared bytes, for this package only (callers must not modify them). */
    byte[] shared() {
        return bytes;
    }
}
