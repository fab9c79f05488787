package io.stoq.crypto.hash;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Streaming SHA-256 (FIPS 180-4) on the JDK's digest, which HotSpot runs on the CPU's SHA
 * extensions where it has them (about 5x {@link Sha3} on this project's machines, docs/crypto.md).
 * The content digest of an asset version: what a client checks its download against, with any
 * {@code sha256sum}. Shards, manifests and the ledger hash with SHA3-256.
 *
 * <p>Not thread-safe: one instance per thread or per pipeline item.
 */
public final class Sha256 {
    private final MessageDigest digest;

    public Sha256() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Hash of {@code data} in one call. */
    public static Hash256 hash(byte[] data) {
        return new Sha256().update(data).digest();
    }

    /** Hash of everything readable from {@code in} (not closed). */
    public static Hash256 hash(InputStream in) throws IOException {
        Sha256 sha = new Sha256();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) != -1; ) {
            sha.update(buf, 0, n);
        }
        return sha.digest();
    }

    public Sha256 update(byte b) {
        digest.update(b);
        return this;
    }

    public Sha256 update(byte[] data) {
        digest.update(data);
        return this;
    }

    public Sha256 update(byte[] data, int offset, int length) {
        digest.update(data, offset, length);
        return this;
    }

    /** Finishes the hash and resets this instance for reuse. */
    public Hash256 digest() {
        return Hash256.wrap(digest.digest());
    }
}
