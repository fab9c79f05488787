package io.stoq.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PemFilesTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = SignatureAlgorithm.class, names = {"FALCON_512", "FALCON_1024", "ML_DSA_65", "SLH_DSA_SHA2_128F"})
    void signatureKeysRoundTripInStandardFormats(SignatureAlgorithm algorithm) throws Exception {
        SigningKey key = SigningKey.generate(algorithm);
        PemFiles.writePrivateKey(tmp.resolve("k.pem"), key.privateKey(), null);
        PemFiles.writePublicKey(tmp.resolve("p.pem"), key.publicKey());
        assertThat(Files.readString(tmp.resolve("k.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(tmp.resolve("p.pem"))).startsWith("-----BEGIN PUBLIC KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("k.pem")))).isEqualTo("rw-------");
        var priv = PemFiles.readPrivateKey(tmp.resolve("k.pem"), null);
        var pub = PemFiles.readPublicKey(tmp.resolve("p.pem"));
        byte[] sig = algorithm.sign(priv, new byte[] {1, 2, 3});
        assertThat(algorithm.verify(pub, new byte[] {1, 2, 3}, sig)).isTrue();
    }

    @Test
    void encryptedKeyNeedsTheRightPassphrase() throws Exception {
        KeyPair kem = KemAlgorithm.ML_KEM_768.generateKeyPair();
        Path file = tmp.resolve("kem.pem");
        PemFiles.writePrivateKey(file, kem.getPrivate(), "correct horse".toCharArray());
        assertThat(Files.readString(file)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        assertThat(PemFiles.readPrivateKey(file, "correct horse".toCharArray()).getEncoded()).isEqualTo(kem.getPrivate().getEncoded());
        assertThatThrownBy(() -> PemFiles.readPrivateKey(file, "battery staple".toCharArray()))
                .isInstanceOf(CryptoException.class).hasMessageContaining("wrong passphrase");
        assertThatThrownBy(() -> PemFiles.readPrivateKey(file, null)).hasMessageContaining("is encrypted");
    }

    @Test
    void garbageIsRefusedWithClearErrors() throws Exception {
        Path garbage = tmp.resolve("garbage.pem");
        Files.writeString(garbage, "this is not PEM at all\n");
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rw-------"));
        assertThat(code(() -> PemFiles.readPrivateKey(garbage, null))).isEqualTo(CryptoErrorCode.MALFORMED_INPUT);
        assertThat(code(() -> PemFiles.readCertificates(garbage))).isEqualTo(CryptoErrorCode.MALFORMED_INPUT);

        Path broken = tmp.resolve("broken.pem");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nAAAABBBB\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PemFiles.readCertificates(broken)).hasMessageContaining("not a valid X.509 certificate");
        Files.writeString(broken, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        assertThat(code(() -> PemFiles.readPublicKey(broken))).isEqualTo(CryptoErrorCode.MALFORMED_INPUT);
        Files.writeString(broken, "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n");
        assertThat(code(() -> PemFiles.readCsr(broken))).isEqualTo(CryptoErrorCode.MALFORMED_INPUT);
        assertThat(code(() -> PemFiles.readPublicKey(tmp.resolve("missing.pem")))).isEqualTo(CryptoErrorCode.NOT_FOUND);
    }

    @Test
    void privateKeyReadableByOthersIsRefused() throws Exception {
        SigningKey key = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        Path file = tmp.resolve("k.pem");
        PemFiles.writePrivateKey(file, key.privateKey(), null);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(code(() -> PemFiles.readPrivateKey(file, null))).isEqualTo(CryptoErrorCode.INSECURE_PERMISSIONS);
    }

    private static CryptoErrorCode code(Call call) {
        try {
            call.run();
            throw new AssertionError("expected failure");
        } catch (CryptoException e) {
            return e.code();
        } catch (Exception e) {
            throw new AssertionError("unexpected " + e, e);
        }
    }

    interface Call {
        void run() throws Exception;
    }
}
