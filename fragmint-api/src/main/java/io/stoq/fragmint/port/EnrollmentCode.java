package io.stoq.fragmint.port;

import java.time.Instant;
import java.util.Objects;

/**
 * A one-time TOTP enrollment code as stored: only its hash. An admin (with its own second factor)
 * creates one for an account; the account's key plus the code enrolls the account's first TOTP
 * secret, so a stolen key alone cannot. Single use, short-lived, at most one per account.
 *
 * @param codeHash hex SHA3-256 of the normalised code (never the code itself)
 * @param createdBy account id of the admin who created it
 * @param createdAt creation time
 * @param expiresAt end of validity
 */
public record EnrollmentCode(String codeHash, String createdBy, Instant createdAt, Instant expiresAt) {
    public EnrollmentCode {
        Objects.requireNonNull(codeHash, "codeHash");
        Objects.requireNonNull(createdBy, "createdBy");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
