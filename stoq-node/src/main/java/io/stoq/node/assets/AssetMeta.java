package io.stoq.node.assets;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The node's per-version record carried in the ASSET_CREATE / ASSET_UPDATE {@code metadata} field
 * (JSON, at most 4 KiB): where the signed manifest is in the shard store and what the client is
 * told about the plaintext. The merkle root itself is the tx's {@code manifestRoot}.
 *
 * @param manifest hex SHA3-256 of the signed manifest (its name in the local shard store)
 * @param size plaintext bytes
 * @param sha3 hex SHA3-256 of the plaintext
 * @param contentType media type given at upload
 * @param name file name given at upload, or null
 */
public record AssetMeta(String manifest, long size, String sha3, String contentType, String name) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode asset metadata", e);
        }
    }

    /** Decodes a record written by {@link #encode}; null when the bytes are not one. */
    public static AssetMeta decode(byte[] bytes) {
        try {
            return JSON.readValue(bytes, AssetMeta.class);
        } catch (IOException e) {
            return null;
        }
    }
}
