package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * What the API tells a client about one version of an asset.
 *
 * @param id asset id (URL-safe, assigned by the node)
 * @param version version number, 1 for the first upload, +1 per update
 * @param size plaintext size in bytes
 * @param sha256 hex SHA-256 of the plaintext: the content digest of every version written since
 *     content digests moved to SHA-256; null for older versions, which carry {@code sha3}
 * @param sha3 hex SHA3-256 of the plaintext, for versions written before that; null for newer ones
 * @param merkleRoot hex merkle root of the version's shards (RFC 6962 style, DESIGN.md s.3)
 * @param owner account id of the current owner
 * @param contentType media type given at upload
 * @param name optional file name given at upload (may be null)
 * @param createdAt when version 1 was committed
 * @param updatedAt when this version was committed
 */
public record AssetMetadata(
        String id,
        long version,
        long size,
        @Nullable String sha256,
        @Nullable String sha3,
        String merkleRoot,
        String owner,
        String contentType,
        @Nullable String name,
        Instant createdAt,
        Instant updatedAt) {

    public AssetMetadata {
        ContentDigest.of(sha256, sha3); // exactly one of them
    }

    /** The content digest this version has, whichever algorithm it was written with. */
    public ContentDigest digest() {
        return ContentDigest.of(sha256, sha3);
    }
}
