package io.stoq.crypto.kdf;

import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * HKDF (RFC 5869) extract-and-expand. Stoq derives per-shard keys with {@link #SHA3_256}; the
 * SHA-256 variant exists so the implementation can be checked against RFC 5869's own vectors.
 */
public final class Hkdf {
    /** HKDF over HMAC-SHA3-256: the stoq default. */
    public static final Hkdf SHA3_256 = new Hkdf(Hash.SHA3_256);
    /** HKDF over HMAC-SHA-256 (RFC 5869 test vectors). */
    public static final Hkdf SHA_256 = new Hkdf(Hash.SHA_256);

    private enum Hash { SHA_256, SHA3_256 }

    private final Hash hash;

    private Hkdf(Hash hash) {
        this.hash = hash;
    }

    private Digest newDigest() {
        return hash == Hash.SHA_256 ? new SHA256Digest() : new SHA3Digest(256);
    }

    /**
     * Derives {@code length} bytes from input keying material {@code ikm}, an optional
     * {@code salt} (null or empty means a zero salt) and context {@code info}.
     */
    public byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
        if (length <= 0 || length > 255 * newDigest().getDigestSize()) {
            throw new IllegalArgumentException("HKDF output length out of range: " + length);
        }
        HKDFBytesGenerator generator = new HKDFBytesGenerator(newDigest());
        generator.init(new HKDFParameters(ikm, salt, info));
        byte[] out = new byte[length];
        generator.generateBytes(out, 0, length);
        return out;
    }
}
