package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * An API key as stored: never the key itself, only its SHA3-256 hash. The key id is the public
 * half that lets the store find the record without a table scan.
 *
 * @param keyId public key id (appears in the key string and in audit records)
 * @param accountId owning account
 * @param secretHash hex SHA3-256 of the whole key string
 * @param label free text for people
 * @param createdAt creation time
 * @param expiresAt expiry, or null for none
 * @param revoked true once revoked; a revoked key never authenticates again
 */
public record StoredApiKey(String keyId, String accountId, String secretHash, String label,
        Instant createdAt, Instant expiresAt, boolean revoked) {

    /** This record with {@code revoked = true}. */
    public StoredApiKey asRevoked() {
        return new StoredApiKey(keyId, accountId, secretHash, label, createdAt, expiresAt, true);
    }
}
