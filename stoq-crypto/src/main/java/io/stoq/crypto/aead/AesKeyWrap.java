package io.stoq.crypto.aead;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES key wrap (RFC 3394) with a 256-bit key-encryption key. Used to store asset keys wrapped under
 * a secret agreed with ML-KEM; the wrap's integrity check detects a wrong KEK or a tampered blob.
 */
public final class AesKeyWrap {
    private AesKeyWrap() {}

    /** Wraps {@code key} (16..n bytes, a multiple of 8) under {@code kek} (32 bytes). */
    public static byte[] wrap(byte[] kek, byte[] key) throws CryptoException {
        checkKek(kek);
        if (key.length < 16 || key.length % 8 != 0) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "key to wrap must be a multiple of 8 bytes, at least 16");
        }
        try {
            Cipher cipher = Cipher.getInstance("AESWrap");
            cipher.init(Cipher.WRAP_MODE, new SecretKeySpec(kek, "AES"));
            return cipher.wrap(new SecretKeySpec(key, "AES"));
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "AES key wrap failed: " + e.getMessage(), e);
        }
    }

    /** Unwraps; fails with {@link CryptoErrorCode#VERIFICATION_FAILED} on a wrong KEK or tampering. */
    public static byte[] unwrap(byte[] kek, byte[] wrapped) throws CryptoException {
        checkKek(kek);
        if (wrapped.length < 24 || wrapped.length % 8 != 0) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "wrapped key has an invalid length: " + wrapped.length);
        }
        try {
            Cipher cipher = Cipher.getInstance("AESWrap");
            cipher.init(Cipher.UNWRAP_MODE, new SecretKeySpec(kek, "AES"));
            return cipher.unwrap(wrapped, "AES", Cipher.SECRET_KEY).getEncoded();
        } catch (InvalidKeyException e) {
            throw new CryptoException(CryptoErrorCode.VERIFICATION_FAILED, "key unwrap failed: wrong key-encryption key or tampered blob");
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "AES key unwrap failed: " + e.getMessage(), e);
        }
    }

    private static void checkKek(byte[] kek) throws CryptoException {
        if (kek == null || kek.length != 32) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "key-encryption key must be 32 bytes");
        }
    }
}
