package io.stoq.fragmint.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.port.TotpSecret;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** RFC 6238 Appendix B test vectors (8 digits, 30 s step) and the verification window. */
class TotpTest {
    private static final byte[] SEED20 = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEED32 = "12345678901234567890123456789012".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEED64 = ("1234567890123456789012345678901234567890123456789012345678901234")
            .getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest
    @CsvSource({
        "59, 94287082, 46119246, 90693936",
        "1111111109, 07081804, 68084774, 25091201",
        "1111111111, 14050471, 67062674, 99943326",
        "1234567890, 89005924, 91819424, 93441116",
        "2000000000, 69279037, 90698825, 38618901",
        "20000000000, 65353130, 77737706, 47863826"})
    void rfc6238Vectors(long time, String sha1, String sha256, String sha512) {
        Instant at = Instant.ofEpochSecond(time);
        assertThat(Totp.code(new TotpSecret(SEED20, "HmacSHA1", 8, 30), at)).isEqualTo(sha1);
        assertThat(Totp.code(new TotpSecret(SEED32, "HmacSHA256", 8, 30), at)).isEqualTo(sha256);
        assertThat(Totp.code(new TotpSecret(SEED64, "HmacSHA512", 8, 30), at)).isEqualTo(sha512);
    }

    @Test
    void verifyAcceptsOneStepOfSkewAndReturnsTheCounter() {
        TotpSecret s = new TotpSecret(SEED20, "HmacSHA1", 8, 30);
        Instant now = Instant.ofEpochSecond(1111111111);
        long counter = Totp.counterAt(s, now);
        assertThat(Totp.verify(s, Totp.code(s, now), now)).hasValue(counter);
        assertThat(Totp.verify(s, Totp.code(s, now.minusSeconds(30)), now)).hasValue(counter - 1);
        assertThat(Totp.verify(s, Totp.code(s, now.plusSeconds(30)), now)).hasValue(counter + 1);
        assertThat(Totp.verify(s, Totp.code(s, now.minusSeconds(90)), now)).isEmpty();
        assertThat(Totp.verify(s, "1234567", now)).isEmpty();
        assertThat(Totp.verify(s, null, now)).isEmpty();
    }

    @Test
    void provisioningUriIsBase32() {
        TotpSecret s = new TotpSecret(SEED20, "HmacSHA1", 6, 30);
        // RFC 4648 base32 of "12345678901234567890"
        assertThat(Totp.provisioningUri(s, "STOQ", "alice"))
                .isEqualTo("otpauth://totp/STOQ:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=STOQ"
                        + "&algorithm=SHA1&digits=6&period=30");
        assertThat(s.toString()).doesNotContain("GEZ").doesNotContain("1234");
    }
}
