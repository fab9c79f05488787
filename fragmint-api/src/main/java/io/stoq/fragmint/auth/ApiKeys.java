package io.stoq.fragmint.auth;

import io.stoq.crypto.ConstantTime;
import io.stoq.crypto.Hex;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.port.StoredApiKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * API key format and hashing. A key reads {@code stq_<keyId>_<secret>}: the 16-hex-digit key id
 * lets the store find the record directly; the 43-character secret is 256 random bits (base64url).
 * Only SHA3-256 of the whole string is stored, so a leaked store reveals no usable key. A fast hash
 * is right here (unlike passwords): the secret has full entropy, so there is nothing to brute-force.
 */
public final class ApiKeys {
    private static final Pattern FORMAT = Pattern.compile("stq_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");

    private ApiKeys() {}

    /**
     * A new key: the plaintext (shown once to its owner) and the record to store.
     *
     * @param plaintext the full key string, never stored
     * @param stored the hash record for the account store
     */
    public record Issued(String plaintext, StoredApiKey stored) {
        @Override
        public String toString() {
            return "Issued[" + stored.keyId() + "]";
        }
    }

    /** Mints a key for {@code accountId}. */
    public static Issued issue(String accountId, String label, Instant now, Instant expiresAt) {
        String keyId = Hex.encode(SecureRandoms.bytes(8));
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(SecureRandoms.bytes(32));
        String plaintext = "stq_" + keyId + "_" + secret;
        return new Issued(plaintext, new StoredApiKey(keyId, accountId, hash(plaintext), label, now,
                expiresAt, false));
    }

    /** The key id inside a well-formed key string, empty when the string is not a key. */
    public static Optional<String> keyIdOf(String presented) {
        Matcher m = FORMAT.matcher(presented);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Hex SHA3-256 of the key string. */
    public static String hash(String plaintext) {
        return Sha3.hash(plaintext.getBytes(StandardCharsets.US_ASCII)).toHex();
    }

    /** Constant-time check of a presented key against its stored hash. */
    public static boolean matches(String presented, StoredApiKey stored) {
        byte[] actual = Hex.decode(hash(presented));
        byte[] expected = Hex.decode(stored.secretHash());
        return ConstantTime.equals(actual, expected);
    }
}
