package io.stoq.crypto;

import java.security.SecureRandom;

/** The process-wide source of randomness for keys, nonces and salts. */
public final class SecureRandoms {
    // SecureRandom is thread-safe; the default (NativePRNG / DRBG) is seeded by the OS.
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecureRandoms() {}

    public static SecureRandom get() {
        return RANDOM;
    }

    /** A fresh array of {@code length} random bytes. */
    public static byte[] bytes(int length) {
        byte[] out = new byte[length];
        RANDOM.nextBytes(out);
        return out;
    }
}
