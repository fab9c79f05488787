package io.stoq.fragmint.auth;

import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.port.EnrollmentCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One-time TOTP enrollment codes: 120 random bits as 24 base32 characters in groups of four
 * ({@code ABCD-EFGH-...}), easy to read out or paste. Only SHA3-256 of the normalised code is
 * stored; like API keys, full entropy makes a fast hash right. Stateless.
 */
public final class EnrollmentCodes {
    private static final byte[] DOMAIN = "stoq enrollment code v1\0".getBytes(StandardCharsets.US_ASCII);

    private EnrollmentCodes() {}

    /**
     * A new code: the plaintext (shown once) and the record to store.
     *
     * @param plaintext the code, never stored
     * @param stored its hash record
     */
    public record Issued(String plaintext, EnrollmentCode stored) {
        @Override
        public String toString() {
            return "Issued[expires " + stored.expiresAt() + "]";
        }
    }

    /** A code created by {@code createdBy} at {@code now}, valid for {@code lifetime}. */
    public static Issued issue(String createdBy, Instant now, Duration lifetime) {
        String raw = Base32.encode(SecureRandoms.bytes(15));
        StringBuilder grouped = new StringBuilder(29);
        for (int i = 0; i < raw.length(); i += 4) {
            if (i > 0) {
                grouped.append('-');
            }
            grouped.append(raw, i, i + 4);
        }
        String code = grouped.toString();
        return new Issued(code, new EnrollmentCode(hash(code), createdBy, now, now.plus(lifetime)));
    }

    /** Hex SHA3-256 of the code with dashes and spaces removed and letters upper-cased. */
    public static String hash(String presented) {
        String normal = presented.replace("-", "").replace(" ", "").toUpperCase(Locale.ROOT);
        return Sha3.hash(DOMAIN, normal.getBytes(StandardCharsets.UTF_8)).toHex();
    }
}
