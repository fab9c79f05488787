package io.stoq.crypto.kem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.aead.AesGcm;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KemAlgorithmTest {
    @ParameterizedTest
    @EnumSource(KemAlgorithm.class)
    void encapsulateDecapsulateAgree(KemAlgorithm algorithm) throws Exception {
        KeyPair pair = algorithm.generateKeyPair();
        KemAlgorithm.Encapsulation enc = algorithm.encapsulate(pair.getPublic());
        assertThat(enc.secret()).hasSize(KemAlgorithm.SECRET_LENGTH);
        assertThat(algorithm.decapsulate(pair.getPrivate(), enc.ciphertext())).isEqualTo(enc.secret());
        assertThat(KemAlgorithm.of(pair.getPublic())).isEqualTo(algorithm);

        // Implicit rejection: a tampered ciphertext yields a different secret, not an error.
        byte[] tampered = enc.ciphertext().clone();
        tampered[10] ^= 1;
        assertThat(algorithm.decapsulate(pair.getPrivate(), tampered)).isNotEqualTo(enc.secret());
        // Another recipient's key also yields an unrelated secret.
        assertThat(algorithm.decapsulate(algorithm.generateKeyPair().getPrivate(), enc.ciphertext())).isNotEqualTo(enc.secret());
    }

    @Test
    void keyWrapperRoundTripAndRejections() throws Exception {
        KeyPair pair = KemAlgorithm.ML_KEM_768.generateKeyPair();
        byte[] assetKey = AesGcm.newKey();
        byte[] context = "asset-42|v1".getBytes();
        KeyWrapper.WrappedKey wrapped = KeyWrapper.wrap(KemAlgorithm.ML_KEM_768, pair.getPublic(), assetKey, context);
        assertThat(KeyWrapper.unwrap(pair.getPrivate(), wrapped, context)).isEqualTo(assetKey);

        assertThatThrownBy(() -> KeyWrapper.unwrap(pair.getPrivate(), wrapped, "asset-43|v1".getBytes()))
                .isInstanceOf(CryptoException.class)
                .extracting(e -> ((CryptoException) e).code()).isEqualTo(CryptoErrorCode.VERIFICATION_FAILED);
        KeyPair stranger = KemAlgorithm.ML_KEM_768.generateKeyPair();
        assertThatThrownBy(() -> KeyWrapper.unwrap(stranger.getPrivate(), wrapped, context))
                .isInstanceOf(CryptoException.class);
        byte[] ct = wrapped.kemCiphertext().clone();
        ct[0] ^= 1;
        assertThatThrownBy(() -> KeyWrapper.unwrap(pair.getPrivate(),
                new KeyWrapper.WrappedKey(wrapped.algorithm(), ct, wrapped.wrappedKey()), context))
                .isInstanceOf(CryptoException.class);
    }

    @Test
    void encapsulatingToANonKemKeyIsRefused() throws Exception {
        KeyPair falcon = io.stoq.crypto.sign.SignatureAlgorithm.FALCON_512.generateKeyPair();
        assertThatThrownBy(() -> KemAlgorithm.ML_KEM_768.encapsulate(falcon.getPublic()))
                .isInstanceOf(CryptoException.class).hasMessageContaining("not an ml-kem-768");
        KeyPair big = KemAlgorithm.ML_KEM_1024.generateKeyPair();
        assertThatThrownBy(() -> KemAlgorithm.ML_KEM_768.encapsulate(big.getPublic())).isInstanceOf(CryptoException.class);
    }
}
