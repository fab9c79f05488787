package io.stoq.crypto.ca;

import static io.stoq.crypto.ca.CaFixture.CLOCK;
import static io.stoq.crypto.ca.CaFixture.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    @TempDir
    Path tmp;

    private static CryptoErrorCode codeOf(ThrowingCall call) {
        try {
            call.run();
        } catch (CryptoException e) {
            return e.code();
        } catch (Exception e) {
            throw new AssertionError("expected a CryptoException, got " + e, e);
        }
        throw new AssertionError("expected a CryptoException, but the call succeeded");
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void initWritesOwnerOnlyLayoutAndReopens() throws Exception {
        Path dir = tmp.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.init(dir, "prodnet", "root-secret".toCharArray(),
                "int-secret".toCharArray(), CertificateAuthority.Policy.DEFAULT, CLOCK);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private/root.key.pem")))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("private/root.key.pem"))).contains("ENCRYPTED PRIVATE KEY");
        assertThat(SignatureAlgorithm.of(ca.root().getPublicKey())).isEqualTo(SignatureAlgorithm.FALCON_1024);
        assertThat(SignatureAlgorithm.of(ca.intermediate().getPublicKey())).isEqualTo(SignatureAlgorithm.FALCON_512);
        assertThat(Files.exists(dir.resolve("crl.pem"))).isTrue();

        CertificateAuthority reopened = CertificateAuthority.open(dir, "int-secret".toCharArray(), CLOCK);
        assertThat(reopened.network()).isEqualTo("prodnet");
        assertThat(reopened.root()).isEqualTo(ca.root());
        // The root key decrypts only with its own passphrase.
        assertThat(PemFiles.readPrivateKey(dir.resolve("private/root.key.pem"), "root-secret".toCharArray())).isNotNull();
    }

    @Test
    void wrongOrMissingPassphraseIsRefused() throws Exception {
        Path dir = tmp.resolve("ca");
        CertificateAuthority.init(dir, "net", null, "right".toCharArray(), CertificateAuthority.Policy.DEFAULT, CLOCK);
        assertThat(codeOf(() -> CertificateAuthority.open(dir, "wrong".toCharArray(), CLOCK))).isEqualTo(CryptoErrorCode.BAD_PASSPHRASE);
        assertThat(codeOf(() -> CertificateAuthority.open(dir, null, CLOCK))).isEqualTo(CryptoErrorCode.BAD_PASSPHRASE);
    }

    @Test
    void looseDirectoryPermissionsAreRefused() throws Exception {
        Path dir = tmp.resolve("ca");
        CertificateAuthority.init(dir, "net", null, null, CertificateAuthority.Policy.DEFAULT, CLOCK);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> CertificateAuthority.open(dir, null, CLOCK))
                .isInstanceOf(CryptoException.class).hasMessageContaining("must be 0700");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(dir.resolve("private/intermediate.key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(codeOf(() -> CertificateAuthority.open(dir, null, CLOCK))).isEqualTo(CryptoErrorCode.INSECURE_PERMISSIONS);
    }

    @Test
    void initRefusesToOverwriteAndOpenNeedsACa() throws Exception {
        Path dir = tmp.resolve("ca");
        CertificateAuthority.init(dir, "net", null, null, CertificateAuthority.Policy.DEFAULT, CLOCK);
        assertThat(codeOf(() -> CertificateAuthority.init(dir, "net", null, null, CertificateAuthority.Policy.DEFAULT, CLOCK)))
                .isEqualTo(CryptoErrorCode.ALREADY_EXISTS);
        assertThat(codeOf(() -> CertificateAuthority.open(tmp.resolve("nothing"), null, CLOCK))).isEqualTo(CryptoErrorCode.NOT_FOUND);
        assertThat(codeOf(() -> CertificateAuthority.init(tmp.resolve("x"), "bad/name", null, null, CertificateAuthority.Policy.DEFAULT, CLOCK)))
                .isEqualTo(CryptoErrorCode.MALFORMED_INPUT);
    }

    @Test
    void issueListRevokeAndCrl() throws Exception {
        CaFixture fixture = new CaFixture(tmp.resolve("ca"), "net");
        CaFixture.Issued a = fixture.issue("node-a");
        CaFixture.Issued b = fixture.issue("node-b");
        assertThat(a.chain()).hasSize(2);
        assertThat(a.leaf().getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(30)));

        fixture.ca.revoke(a.leaf().getSerialNumber(), CertificateIssuer.RevocationReason.KEY_COMPROMISE);
        assertThat(codeOf(() -> fixture.ca.revoke(a.leaf().getSerialNumber(), CertificateIssuer.RevocationReason.UNSPECIFIED)))
                .isEqualTo(CryptoErrorCode.ALREADY_EXISTS);
        assertThat(codeOf(() -> fixture.ca.revoke(java.math.BigInteger.valueOf(12345), CertificateIssuer.RevocationReason.UNSPECIFIED)))
                .isEqualTo(CryptoErrorCode.NOT_FOUND);

        List<IssuedCertificate> listed = fixture.ca.list();
        assertThat(listed).extracting(IssuedCertificate::nodeId).containsExactlyInAnyOrder("node-a", "node-b");
        assertThat(listed).filteredOn(c -> c.nodeId().equals("node-a")).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(IssuedCertificate.Status.REVOKED));
        assertThat(listed).filteredOn(c -> c.nodeId().equals("node-b")).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(IssuedCertificate.Status.VALID));

        var crl = PemFiles.readCrl(fixture.ca.crlFile());
        assertThat(crl.isRevoked(a.leaf())).isTrue();
        assertThat(crl.isRevoked(b.leaf())).isFalse();
        crl.verify(fixture.ca.intermediate().getPublicKey(), StoqProviders.bc());

        // Later, b's certificate has expired.
        CertificateAuthority later = CertificateAuthority.open(tmp.resolve("ca"), null, Clock.fixed(NOW.plus(Duration.ofDays(40)), ZoneOffset.UTC));
        assertThat(later.list()).filteredOn(c -> c.nodeId().equals("node-b")).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(IssuedCertificate.Status.EXPIRED));
    }

    @Test
    void csrSignedByAnotherKeyIsRefused() throws Exception {
        CaFixture fixture = new CaFixture(tmp.resolve("ca"), "net");
        NodeKeys keys = NodeKeys.generate();
        SigningKey otherKey = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        ExtensionsGenerator ext = new ExtensionsGenerator();
        ext.addExtension(NodeIdentityExtension.OID, true, NodeIdentityExtension.encode(CaFixture.claims(keys, "node-x")));
        PKCS10CertificationRequest forged = new JcaPKCS10CertificationRequestBuilder(NodeCsr.subject("node-x"), keys.falcon().publicKey())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                .build(new JcaContentSignerBuilder("Falcon-512").setProvider(StoqProviders.bc()).build(otherKey.privateKey()));
        assertThatThrownBy(() -> fixture.ca.issue(forged, Duration.ofDays(1)))
                .isInstanceOf(CryptoException.class).hasMessageContaining("CSR signature is invalid");
        assertThat(fixture.ca.list()).isEmpty();
    }

    @Test
    void tamperedOrIncompleteCsrIsRefused() throws Exception {
        CaFixture fixture = new CaFixture(tmp.resolve("ca"), "net");
        NodeKeys keys = NodeKeys.generate();
        byte[] der = NodeCsr.create(keys.falcon(), CaFixture.claims(keys, "node-t")).getEncoded();
        // Change the node id inside the signed request ("node-t" -> "node-u").
        String text = new String(der, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = text.lastIndexOf("node-t");
        der[at + 5] = 'u';
        PKCS10CertificationRequest tampered = new PKCS10CertificationRequest(der);
        assertThatThrownBy(() -> fixture.ca.issue(tampered, Duration.ofDays(1))).hasMessageContaining("CSR signature is invalid");

        PKCS10CertificationRequest noExtension = new JcaPKCS10CertificationRequestBuilder(NodeCsr.subject("node-t"), keys.falcon().publicKey())
                .build(new JcaContentSignerBuilder("Falcon-512").setProvider(StoqProviders.bc()).build(keys.falcon().privateKey()));
        assertThatThrownBy(() -> fixture.ca.issue(noExtension, Duration.ofDays(1))).hasMessageContaining("no extension request");

        PKCS10CertificationRequest good = NodeCsr.create(keys.falcon(), CaFixture.claims(keys, "node-t"));
        assertThat(codeOf(() -> fixture.ca.issue(good, Duration.ofDays(400)))).isEqualTo(CryptoErrorCode.MALFORMED_INPUT);
        assertThat(fixture.ca.list()).isEmpty();
    }

    @Test
    void claimsAreValidated() throws Exception {
        NodeKeys keys = NodeKeys.generate();
        assertThat(codeOf(() -> NodeClaims.of("Node_1", "z", Set.of(NodeRole.STORAGE), keys.tls().getPublic(), keys.kem().getPublic())))
                .isEqualTo(CryptoErrorCode.MALFORMED_INPUT);
        assertThat(codeOf(() -> NodeClaims.of("node-1", "z", Set.of(), keys.tls().getPublic(), keys.kem().getPublic())))
                .isEqualTo(CryptoErrorCode.MALFORMED_INPUT);
        assertThatThrownBy(() -> NodeRole.parseList("storage,archiver")).hasMessageContaining("unknown node role 'archiver'");
        NodeClaims claims = CaFixture.claims(keys, "node-1");
        assertThat(NodeIdentityExtension.decode(NodeIdentityExtension.encode(claims))).isEqualTo(claims);
        assertThat(codeOf(() -> NodeIdentityExtension.decode(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01})))
                .isEqualTo(CryptoErrorCode.CERTIFICATE_REJECTED);
    }

    @Test
    void nodeKeysRoundTripAndDetectMixUps() throws Exception {
        NodeKeys keys = NodeKeys.generate();
        Path dir = tmp.resolve("node");
        keys.write(dir, "pw".toCharArray());
        NodeKeys loaded = NodeKeys.load(dir, "pw".toCharArray());
        assertThat(loaded.falcon().publicKey().getEncoded()).isEqualTo(keys.falcon().publicKey().getEncoded());
        assertThat(codeOf(() -> keys.write(dir, null))).isEqualTo(CryptoErrorCode.ALREADY_EXISTS);
        assertThat(codeOf(() -> NodeKeys.load(dir, "nope".toCharArray()))).isEqualTo(CryptoErrorCode.BAD_PASSPHRASE);

        // Swap in another node's Falcon public key: the pair check notices.
        Path other = tmp.resolve("other");
        NodeKeys.generate().write(other, null);
        Files.copy(other.resolve(NodeKeys.FALCON_PUB), dir.resolve(NodeKeys.FALCON_PUB), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> NodeKeys.load(dir, "pw".toCharArray())).hasMessageContaining("does not belong to");
    }

    @Test
    void issuedChainValidatesEndToEnd() throws Exception {
        CaFixture fixture = new CaFixture(tmp.resolve("ca"), "net");
        CaFixture.Issued issued = fixture.issue("node-e");
        Path certFile = tmp.resolve("node.crt.pem");
        PemFiles.writeCertificates(certFile, issued.chain());
        List<X509Certificate> chain = PemFiles.readCertificates(certFile);
        NodeIdentity id = NodeCertificateValidator.validate(chain, fixture.ca.root(), NOW, PemFiles.readCrl(fixture.ca.crlFile()));
        assertThat(id.nodeId()).isEqualTo("node-e");
    }
}
