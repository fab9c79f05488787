package io.stoq.fragmint.route;

import io.stoq.fragmint.port.Nullable;
import io.stoq.fragmint.port.Role;
import java.time.Instant;
import java.util.List;

/**
 * JSON request and response bodies that are the API's own (port records are served as they are).
 * Records with only strings, numbers, booleans, instants, lists and enums, so the OpenAPI schema
 * generator can describe them by reflection. A field that may be absent is marked {@link Nullable}
 * (optional in a request, sent as null in a response); every other field is required.
 */
public final class Messages {
    private Messages() {}

    /** Body of {@code POST /v1/assets/{id}/transfers}. @param newOwner account id to own the asset */
    public record TransferAsset(String newOwner) {}

    /** Body of {@code POST /v1/assets/{id}/grants}. @param account account id to let read the asset */
    public record GrantAsset(String account) {}

    /**
     * Body of {@code POST /v1/tokens/transfers}.
     *
     * @param to payee account id
     * @param amount whole tokens, positive
     * @param memo optional free text, at most 256 characters
     */
    public record TransferTokens(String to, Long amount, @Nullable String memo) {}

    /**
     * Body of {@code POST /v1/accounts}.
     *
     * @param id new account id
     * @param role its role
     * @param displayName optional free text
     */
    public record CreateAccount(String id, String role, @Nullable String displayName) {}

    /** Body of {@code PUT /v1/accounts/{id}/role}. @param role new role */
    public record SetRole(String role) {}

    /**
     * Body of {@code POST /v1/accounts/{id}/keys}.
     *
     * @param label free text to recognise the key by
     * @param expiresAt optional expiry (ISO-8601)
     */
    public record CreateKey(@Nullable String label, @Nullable Instant expiresAt) {}

    /**
     * A new S3 access key: the only time the secret is shown (the node keeps it sealed).
     *
     * @param accessKeyId the AWS_ACCESS_KEY_ID
     * @param secretAccessKey the AWS_SECRET_ACCESS_KEY
     * @param accountId the account it acts for
     * @param createdAt when it was made
     */
    public record CreatedS3Key(String accessKeyId, String secretAccessKey, String accountId, Instant createdAt) {}

    /** An S3 access key in a listing (no secret). */
    public record S3KeyInfo(String accessKeyId, Instant createdAt) {}

    /**
     * A newly created API key: the only time the key string is ever shown.
     *
     * @param keyId public id
     * @param key the secret key string, to send as {@code Authorization: Bearer <key>}
     * @param accountId owner
     * @param label label
     * @param expiresAt expiry or null
     */
    public record CreatedKey(String keyId, String key, String accountId, String label,
            @Nullable Instant expiresAt) {}

    /**
     * An API key as listed (never the secret or its hash).
     *
     * @param keyId public id
     * @param label label
     * @param createdAt creation time
     * @param expiresAt expiry or null
     * @param revoked whether revoked
     */
    public record KeyInfo(String keyId, String label, Instant createdAt, @Nullable Instant expiresAt,
            boolean revoked) {}

    /**
     * A TOTP enrollment: shown once.
     *
     * @param secret base32 secret for manual entry
     * @param uri otpauth:// URI for QR codes
     * @param algorithm HMAC algorithm
     * @param digits code length
     * @param period time step in seconds
     */
    public record TotpEnrollment(String secret, String uri, String algorithm, int digits,
            int period) {}

    /**
     * A new session.
     *
     * @param token bearer token ({@code stqs_...}), shown once
     * @param sessionId public id
     * @param accountId owner
     * @param expiresAt end of validity
     */
    public record SessionCreated(String token, String sessionId, String accountId,
            Instant expiresAt) {}

    /**
     * The caller as the API sees it.
     *
     * @param account the account
     * @param permissions what its role may do
     * @param secondFactor whether this request carried a verified second factor
     */
    public record Me(io.stoq.fragmint.port.Account account, List<String> permissions,
            boolean secondFactor) {}

    /**
     * Health answer.
     *
     * @param status {@code ok} or {@code unavailable}
     * @param detail short reason
     */
    public record Health(String status, String detail) {}

    /** Role names for docs. */
    public static List<String> roleNames() {
        return java.util.Arrays.stream(Role.values()).map(Role::wireName).toList();
    }

    /**
     * A one-time TOTP enrollment code: shown once, to the admin who made it, who hands it to the
     * account's owner.
     *
     * @param accountId the account it enrolls
     * @param code the code, sent back as {@code X-Stoq-Enrollment-Code} when enrolling
     * @param expiresAt end of validity
     */
    public record EnrollmentCodeCreated(String accountId, String code, Instant expiresAt) {}
}
