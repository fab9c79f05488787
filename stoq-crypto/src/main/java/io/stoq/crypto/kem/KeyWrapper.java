package io.stoq.crypto.kem;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.aead.AesKeyWrap;
import io.stoq.crypto.kdf.Hkdf;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * Wraps a symmetric key to an ML-KEM public key: encapsulate, derive a key-encryption key from the
 * shared secret with HKDF (bound to a caller-chosen context such as the asset id), then AES key
 * wrap (RFC 3394). Only the private-key holder can unwrap; a tampered blob or wrong key fails the
 * wrap's integrity check.
 */
public final class KeyWrapper {
    private static final byte[] SALT = "stoq/kem-key-wrap/v1".getBytes(StandardCharsets.US_ASCII);

    private KeyWrapper() {}

    public static WrappedKey wrap(KemAlgorithm algorithm, PublicKey recipient, byte[] key, byte[] context)
            throws CryptoException {
        KemAlgorithm.Encapsulation encapsulation = algorithm.encapsulate(recipient);
        byte[] kek = Hkdf.SHA3_256.derive(encapsulation.secret(), SALT, context, 32);
        return new WrappedKey(algorithm, encapsulation.ciphertext(), AesKeyWrap.wrap(kek, key));
    }

    public static byte[] unwrap(PrivateKey recipient, WrappedKey wrapped, byte[] context) throws CryptoException {
        byte[] secret = wrapped.algorithm().decapsulate(recipient, wrapped.kemCiphertext());
        byte[] kek = Hkdf.SHA3_256.derive(secret, SALT, context, 32);
        return AesKeyWrap.unwrap(kek, wrapped.wrappedKey());
    }

    /** A key wrapped to one recipient: the KEM ciphertext and the RFC 3394 blob. */
    public record WrappedKey(KemAlgorithm algorithm, byte[] kemCiphertext, byte[] wrappedKey) {}
}
