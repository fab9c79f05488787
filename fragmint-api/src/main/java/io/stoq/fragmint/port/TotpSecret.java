package io.stoq.fragmint.port;

/**
 * A TOTP (RFC 6238) shared secret and its parameters. The key bytes are a secret: the store must
 * keep them encrypted at rest; {@link #toString()} never prints them.
 *
 * @param key the HMAC key
 * @param algorithm {@code HmacSHA1}, {@code HmacSHA256} or {@code HmacSHA512}
 * @param digits code length, 6..8
 * @param periodSeconds time step in seconds (30 by default)
 */
public record TotpSecret(byte[] key, String algorithm, int digits, int periodSeconds) {
    public TotpSecret {
        key = key.clone();
        if (digits < 6 || digits > 8) {
            throw new IllegalArgumentException("digits must be 6..8");
        }
        if (periodSeconds < 1) {
            throw new IllegalArgumentException("period must be positive");
        }
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    @Override
    public String toString() {
        return "TotpSecret[" + algorithm + ", " + digits + " digits, " + periodSeconds + "s]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TotpSecret t && java.util.Arrays.equals(key, t.key)
                && algorithm.equals(t.algorithm) && digits == t.digits
                && periodSeconds == t.periodSeconds;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(java.util.Arrays.hashCode(key), algorithm, digits, periodSeconds);
    }
}
