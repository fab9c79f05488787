package io.stoq.crypto.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.CryptoException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class SignatureAlgorithmTest {
    private static final byte[] MESSAGE = "transfer 10 tokens to node-7".getBytes(StandardCharsets.UTF_8);

    // SLH-DSA-128s signing takes ~1.4 s; it is covered by the shared round-trip below once.
    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void signVerifyRoundTripAndTamperDetection(SignatureAlgorithm algorithm) throws Exception {
        SigningKey key = SigningKey.generate(algorithm);
        byte[] signature = key.sign(MESSAGE);
        assertThat(key.verifyingKey().verify(MESSAGE, signature)).isTrue();

        byte[] otherMessage = MESSAGE.clone();
        otherMessage[0] ^= 1;
        assertThat(key.verifyingKey().verify(otherMessage, signature)).as("tampered message").isFalse();

        byte[] badSignature = signature.clone();
        badSignature[badSignature.length / 2] ^= 0x10;
        assertThat(key.verifyingKey().verify(MESSAGE, badSignature)).as("tampered signature").isFalse();
        assertThat(key.verifyingKey().verify(MESSAGE, new byte[3])).as("truncated signature").isFalse();

        SigningKey other = SigningKey.generate(algorithm);
        assertThat(other.verifyingKey().verify(MESSAGE, signature)).as("someone else's key").isFalse();

        assertThat(SignatureAlgorithm.of(key.publicKey())).isEqualTo(algorithm);
        assertThat(VerifyingKey.fromSpki(key.verifyingKey().spki()).verify(MESSAGE, signature)).isTrue();
    }

    @Test
    void idsAndCodesAreUniqueAndVersioned() throws Exception {
        Set<String> ids = new HashSet<>();
        Set<Integer> codes = new HashSet<>();
        for (SignatureAlgorithm a : SignatureAlgorithm.values()) {
            assertThat(ids.add(a.id())).isTrue();
            assertThat(codes.add(a.code())).isTrue();
            assertThat(a.id()).matches(".*\\.v\\d+");
            assertThat(SignatureAlgorithm.fromId(a.id())).isEqualTo(a);
            assertThat(SignatureAlgorithm.fromCode(a.code())).isEqualTo(a);
        }
        assertThatThrownBy(() -> SignatureAlgorithm.fromId("fn-dsa-512.v1")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> SignatureAlgorithm.fromCode(99)).isInstanceOf(CryptoException.class);
    }

    @Test
    void keyOfAnotherSuiteNeverVerifies() throws Exception {
        SigningKey falcon = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        SigningKey mldsa = SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
        byte[] signature = falcon.sign(MESSAGE);
        assertThat(SignatureAlgorithm.FALCON_512.verify(mldsa.publicKey(), MESSAGE, signature)).isFalse();
        assertThatThrownBy(() -> SignatureAlgorithm.FALCON_512.sign(mldsa.privateKey(), MESSAGE))
                .isInstanceOf(CryptoException.class);
    }
}
