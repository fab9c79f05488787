package io.stoq.node.assets;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.crypto.hash.Hash256;
import io.stoq.fragmint.port.ContentDigest;
import java.io.IOException;

/**
 * The node's per-version record carried in the ASSET_CREATE / ASSET_UPDATE {@code metadata} field
 * (JSON, at most 4 KiB): where the manifest is in the shard store and what the client is told
 * about the plaintext. The merkle root itself is the tx's {@code manifestRoot}.
 *
 * <p>Which bytes {@code manifest} is the hash of depends on {@code manifestHashOf}, so a verifier
 * always knows what the tx names (docs/ledger.md, "Asset metadata"):
 * <ul>
 *   <li>absent (every version written before seal-after-commit): SHA3-256 of the whole signed
 *       manifest, seal included (schema 2, or schema 1), sealed before the tx was made;
 *   <li>{@value #BODY}: SHA3-256 of the manifest body (schema 2 without its seal); the node seals
 *       it after the commit, and the seal's leaf is {@code H(0x00 || this hash)}.
 * </ul>
 * Nodes before this field refuse a record carrying it (unknown property) rather than misread it.
 *
 * @param manifest hex SHA3-256 of the manifest (its name in the local shard store), see above
 * @param size plaintext bytes
 * @param sha256 hex SHA-256 of the plaintext: the content digest of versions written since content
 *     digests moved to SHA-256 (docs/shard.md, "The content digest"); null in older records
 * @param sha3 hex SHA3-256 of the plaintext, in records written before that; null in newer ones.
 *     A record has exactly one of the two; nodes before {@code sha256} refuse a record carrying it
 *     (unknown property) rather than show a version without a digest
 * @param contentType media type given at upload
 * @param name file name given at upload, or null
 * @param manifestHashOf {@value #BODY}, or null for a hash of the sealed manifest
 * @param policy the redundancy policy the version's shards were placed under ({@code replicas:3}),
 *     null for versions written before placement (every shard on the writing node)
 */
public record AssetMeta(String manifest, long size,
        @JsonInclude(JsonInclude.Include.NON_NULL) String sha256,
        @JsonInclude(JsonInclude.Include.NON_NULL) String sha3,
        String contentType, String name,
        @JsonInclude(JsonInclude.Include.NON_NULL) String manifestHashOf,
        @JsonInclude(JsonInclude.Include.NON_NULL) String policy) {
    /** {@code manifestHashOf} of a version whose tx names the manifest body (sealed after the commit). */
    public static final String BODY = "body";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A record as a node writes one now: the body's hash, sealed after the commit, and the
     * SHA-256 content digest.
     */
    public static AssetMeta current(Hash256 manifestBody, long size, Hash256 sha256, String contentType, String name,
            String policy) {
        return new AssetMeta(manifestBody.toHex(), size, sha256.toHex(), null, contentType, name, BODY, policy);
    }

    /**
     * A record as written before seal-after-commit and before SHA-256 content digests:
     * {@code manifest} hashes the sealed manifest, {@code sha3} is the content digest.
     */
    public static AssetMeta sealedBefore(String manifest, long size, String sha3, String contentType, String name) {
        return new AssetMeta(manifest, size, null, sha3, contentType, name, null, null);
    }

    /** The version's content digest, whichever algorithm its record was written with. */
    public ContentDigest digest() {
        return ContentDigest.of(sha256, sha3);
    }

    /** True when {@code manifest} is the hash of the body, sealed after the commit. */
    public boolean namesBody() {
        return BODY.equals(manifestHashOf);
    }

    public byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode asset metadata", e);
        }
    }

    /**
     * Decodes a record written by {@link #encode}; null when the bytes are not one, or name a
     * manifest hash this build does not know how to check ({@code manifestHashOf} other than
     * absent or {@value #BODY}), or do not carry exactly one well-formed content digest.
     */
    public static AssetMeta decode(byte[] bytes) {
        try {
            AssetMeta m = JSON.readValue(bytes, AssetMeta.class);
            if (m.manifestHashOf != null && !m.namesBody()) {
                return null;
            }
            m.digest(); // exactly one well-formed content digest
            return m;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
