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
 * the JIT compiled the small-buffer path first. See {@link #warmUp()} for the other JIT traps.
 */
public final class AesGcm {
    public static final int KEY_LENGTH = 32;
    public static final int NONCE_LENGTH = 12;
    public static final int TAG_LENGTH = 16;
    /** Bytes added by sealing: nonce plus tag. */
    public static final int OVERHEAD = NONCE_LENGTH + TAG_LENGTH;
    private static final int FEED = 64 * 1024;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int WARM_SMALL_CALLS = 50_000;
    private static final int WARM_LARGE_CALLS = 4;
    private static final int WARM_LARGE_BYTES = (4 << 20) + 1;
    private static volatile boolean warm;

    private AesGcm() {}

    /**
     * Compiles SunJCE's AES-GCM paths before bulk data arrives; idempotent and thread-safe (the
     * first caller pays, about 1.5-3 s of one core; later calls return at once).
     *
     * <p>Why: until the JIT has compiled GCM with the AES/GHASH intrinsics it runs at ~60 MiB/s
     * instead of several GiB/s (JDK 17: 58-66 MiB/s for the first seconds without a warm-up).
     * The order of input sizes matters and differs by JDK, so the warm-up uses the exact call
     * shapes of the shard pipeline ({@code seal(key, aad, plain)} with a random nonce,
     * {@code open(key, aad, sealed)}) in two phases: {@value #WARM_LARGE_CALLS} pairs of 4 MiB + 1
     * byte first, which reach the multi-slice encrypt loop and the large-buffer decrypt branch,
     * then {@value #WARM_SMALL_CALLS} pairs of 1 KiB (the size stoq-shard measured best for
     * getting the intrinsics compiled). With the 1 KiB phase alone (the former stoq-shard
     * {@code GcmWarmup}), JDK 25 left {@code open} of 8 MiB blobs at 310-460 MiB/s; with both
     * phases it measured 3.0-5.3 GiB/s, and JDK 17 2.6-3.0 GiB/s seal, 2.9-3.3 GiB/s open
     * (docs/crypto.md). A node calls this on a background thread at startup; the shard encoder
     * and reader call it before large assets; benchmarks call it before measuring.
     */
    public static void warmUp() {
        if (warm) {
            return;
        }
        synchronized (AesGcm.class) {
            if (warm) {
                return;
            }
            byte[] key = newKey();
            byte[] aad = new byte[24];
            try {
                byte[] large = new byte[WARM_LARGE_BYTES];
                for (int i = 0; i < WARM_LARGE_CALLS; i++) {
                    open(key, aad, seal(key, aad, large));
                }
                byte[] small = new byte[1024];
                for (int i = 0; i < WARM_SMALL_CALLS; i++) {
                    open(key, aad, seal(key, aad, small));
                }
            } catch (CryptoException e) {
                throw new IllegalStateException("AES-GCM failed on its own output during warm-up", e);
            }
            warm = true;
        }
    }

    /** True once {@link #warmUp()} has completed in this JVM. */
    public static boolean warmedUp() {
        return warm;
    }

    /** A fresh random 256-bit key. */
    public static byte[] newKey() {
        return SecureRandoms.bytes(KEY_LENGTH);
    }

    /** Encrypts with a fresh random nonce. */
    public static byte[] seal(byte[] key, byte[] aad, byte[] plaintext) throws CryptoException {
        return seal(key, aad, plaintext, 0, plaintext.length);
    }

    /** Encrypts {@code plaintext[offset, offset+length)} with a fresh random nonce. */
    public static byte[] seal(byte[] key, byte[] aad, byte[] plaintext, int offset, int length) throws CryptoException {
        return seal(key, SecureRandoms.bytes(NONCE_LENGTH), aad, plaintext, offset, length);
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
