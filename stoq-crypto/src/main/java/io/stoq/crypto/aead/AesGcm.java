package io.stoq.crypto.aead;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a 96-bit nonce and a 128-bit tag.
 *
 * <p>Sealed format (what {@link #seal} returns and {@link #open} expects):
 * {@code nonce (12 bytes) || ciphertext || tag (16 bytes)}, so a sealed blob carries everything but
 * the key and the AAD.
 *
 * <p>Uses the JDK's SunJCE provider (AES-NI, several GiB/s); BouncyCastle's GCM is ~50 MiB/s and is
 * never used for bulk data. Encryption input is fed in {@value #FEED} byte {@code update()} calls
 * because on JDK 17 one large {@code doFinal} can run at a few percent of the intrinsic speed when
 * the JIT compiled the small-buffer path first. See {@link #warmUp()} for the other JIT trap.
 */
public final class AesGcm {
    public static final int KEY_LENGTH = 32;
    public static final int NONCE_LENGTH = 12;
    public static final int TAG_LENGTH = 16;
    /** Bytes added by sealing: nonce plus tag. */
    public static final int OVERHEAD = NONCE_LENGTH + TAG_LENGTH;
    private static final int FEED = 64 * 1024;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private AesGcm() {}

    /**
     * Runs enough small seal/open calls for the JIT to compile the AES-GCM intrinsics (typically
     * 0.5-2 s of one core). Until then SunJCE's GCM runs interpreted at ~60 MiB/s instead of
     * several GiB/s, so the first gigabytes a fresh JVM encrypts are 50x slower. A node calls this
     * on a background thread at startup; benchmarks call it before measuring.
     */
    public static void warmUp() {
        byte[] key = new byte[KEY_LENGTH];
        byte[] nonce = new byte[NONCE_LENGTH];
        byte[] data = new byte[4096];
        try {
            for (int i = 0; i < 20_000; i++) {
                open(key, null, seal(key, nonce, null, data, 0, data.length));
            }
        } catch (CryptoException e) {
            throw new IllegalStateException("AES-GCM failed on its own output during warm-up", e);
        }
    }

    /** A fresh random 256-bit key. */
    public static byte[] newKey() {
        return SecureRandoms.bytes(KEY_LENGTH);
    }

    /** Encrypts with a fresh random nonce. */
    public static byte[] seal(byte[] key, byte[] aad, byte[] plaintext) throws CryptoException {
        return seal(key, SecureRandoms.bytes(NONCE_LENGTH), aad, plaintext, 0, plaintext.length);
    }

    /**
     * Encrypts {@code plaintext[offset, offset+length)} under {@code nonce}. The caller guarantees
     * the nonce is never reused with the same key (stoq derives a fresh key per shard, so a random
     * nonce is belt and braces).
     */
    public static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, int offset, int length)
            throws CryptoException {
        checkKey(key);
        if (nonce.length != NONCE_LENGTH) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "AES-GCM nonce must be 12 bytes");
        }
        byte[] out = new byte[NONCE_LENGTH + length + TAG_LENGTH];
        System.arraycopy(nonce, 0, out, 0, NONCE_LENGTH);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            if (aad != null && aad.length > 0) {
                cipher.updateAAD(aad);
            }
            int written = NONCE_LENGTH;
            int end = offset + length;
            for (int pos = offset; pos < end; pos += FEED) {
                written += cipher.update(plaintext, pos, Math.min(FEED, end - pos), out, written);
            }
            written += cipher.doFinal(out, written);
            if (written != out.length) {
                throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "AES-GCM produced an unexpected length");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "AES-GCM encryption failed: " + e.getMessage(), e);
        }
    }

    /**
     * Verifies and decrypts a sealed blob. Throws {@link CryptoErrorCode#VERIFICATION_FAILED} when
     * the key, AAD or any byte of the blob is wrong; no plaintext is released in that case.
     */
    public static byte[] open(byte[] key, byte[] aad, byte[] sealed) throws CryptoException {
        return open(key, aad, sealed, 0, sealed.length);
    }

    public static byte[] open(byte[] key, byte[] aad, byte[] sealed, int offset, int length) throws CryptoException {
        checkKey(key);
        if (length < OVERHEAD) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    "AES-GCM blob too short: " + length + " bytes, need at least " + OVERHEAD);
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(TAG_LENGTH * 8, sealed, offset, NONCE_LENGTH));
            if (aad != null && aad.length > 0) {
                cipher.updateAAD(aad);
            }
            byte[] out = new byte[length - OVERHEAD];
            // Decryption cannot release plaintext before the tag is checked, so SunJCE buffers
            // update() input and does all the work in doFinal; chunked updates only add copies.
            // The ByteBuffer form measured 2-4x faster than the byte[] forms on JDK 17.
            int written = cipher.doFinal(ByteBuffer.wrap(sealed, offset + NONCE_LENGTH, length - NONCE_LENGTH), ByteBuffer.wrap(out));
            if (written != out.length) {
                throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "AES-GCM produced an unexpected length");
            }
            return out;
        } catch (AEADBadTagException e) {
            throw new CryptoException(CryptoErrorCode.VERIFICATION_FAILED,
                    "AES-GCM authentication failed: wrong key, wrong context or tampered ciphertext");
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "AES-GCM decryption failed: " + e.getMessage(), e);
        }
    }

    private static void checkKey(byte[] key) throws CryptoException {
        if (key == null || key.length != KEY_LENGTH) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "AES-256 key must be 32 bytes");
        }
    }
}
