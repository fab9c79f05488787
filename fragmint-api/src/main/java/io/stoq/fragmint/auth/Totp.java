package io.stoq.fragmint.auth;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import io.stoq.crypto.ConstantTime;
import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.port.TotpSecret;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFC 6238 time-based one-time passwords. Code generation is delegated to {@code java-otp}
 * (com.eatthepath, a small, dependency-free, maintained library whose generator implements RFC
 * 4226/6238 exactly and passes the RFC's vectors: see {@code TotpTest}); this class adds the
 * verification policy: a window of one step either side for clock skew, constant-time comparison,
 * and the matched counter returned so the caller can refuse replays.
 */
public final class Totp {
    /** Steps accepted either side of the current one (RFC 6238 s.5.2 recommends at most one). */
    public static final int SKEW_STEPS = 1;

    private Totp() {}

    /** A fresh secret: 20 random bytes, HMAC-SHA1, 6 digits, 30 s (what authenticator apps expect). */
    public static TotpSecret newSecret() {
        return new TotpSecret(SecureRandoms.bytes(20), "HmacSHA1", 6, 30);
    }

    /** The time-step counter at {@code at}. */
    public static long counterAt(TotpSecret secret, Instant at) {
        return Math.floorDiv(at.getEpochSecond(), secret.periodSeconds());
    }

    /** The code for time {@code at}, zero-padded to the secret's digit count. */
    public static String code(TotpSecret secret, Instant at) {
        TimeBasedOneTimePasswordGenerator gen = new TimeBasedOneTimePasswordGenerator(
                Duration.ofSeconds(secret.periodSeconds()), secret.digits(), secret.algorithm());
        try {
            int otp = gen.generateOneTimePassword(new SecretKeySpec(secret.key(), secret.algorithm()), at);
            return pad(otp, secret.digits());
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("TOTP key rejected by " + secret.algorithm(), e);
        }
    }

    /**
     * The counter of the step whose code equals {@code presented}, searching the current step and
     * {@link #SKEW_STEPS} either side; empty when none matches.
     */
    public static OptionalLong verify(TotpSecret secret, String presented, Instant now) {
        if (presented == null || presented.length() != secret.digits()) {
            return OptionalLong.empty();
        }
        byte[] given = presented.getBytes(StandardCharsets.US_ASCII);
        long current = counterAt(secret, now);
        long found = -1;
        for (long c = current - SKEW_STEPS; c <= current + SKEW_STEPS; c++) {
            String expected = code(secret, Instant.ofEpochSecond(c * secret.periodSeconds()));
            if (ConstantTime.equals(given, expected.getBytes(StandardCharsets.US_ASCII))) {
                found = c;
            }
        }
        return found < 0 ? OptionalLong.empty() : OptionalLong.of(found);
    }

    /** RFC 4648 base32 of a secret, for manual entry in an authenticator app. */
    public static String base32(byte[] key) {
        return Base32.encode(key);
    }

    /** The {@code otpauth://} URI authenticator apps scan (RFC 6238 parameters, base32 secret). */
    public static String provisioningUri(TotpSecret secret, String issuer, String account) {
        String alg = secret.algorithm().replace("Hmac", "");
        return "otpauth://totp/" + urlEncode(issuer) + ":" + urlEncode(account)
                + "?secret=" + Base32.encode(secret.key()) + "&issuer=" + urlEncode(issuer)
                + "&algorithm=" + alg + "&digits=" + secret.digits() + "&period=" + secret.periodSeconds();
    }

    private static String urlEncode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String pad(int otp, int digits) {
        StringBuilder sb = new StringBuilder(Integer.toString(otp));
        while (sb.length() < digits) {
            sb.insert(0, '0');
        }
        return sb.toString();
    }
}
