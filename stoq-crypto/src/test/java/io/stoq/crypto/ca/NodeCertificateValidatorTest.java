package io.stoq.crypto.ca;

import static io.stoq.crypto.ca.CaFixture.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCertificateValidatorTest {
    @TempDir
    static Path tmp;

    static CaFixture fixture;
    static CaFixture.Issued node;

    @BeforeAll
    static void setUp() throws Exception {
        fixture = new CaFixture(tmp.resolve("ca"), "testnet");
        node = fixture.issue("node-1");
    }

    private static X509Certificate root() {
        return fixture.ca.root();
    }

    private static CryptoException rejection(ThrowingCall call) {
        try {
            call.run();
        } catch (CryptoException e) {
            assertThat(e.code()).isEqualTo(CryptoErrorCode.CERTIFICATE_REJECTED);
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected a certificate rejection, got " + e, e);
        }
        throw new AssertionError("expected a certificate rejection, but validation passed");
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void validChainProvesTheClaims() throws Exception {
        NodeIdentity id = NodeCertificateValidator.validate(node.chain(), root(), NOW.plusSeconds(60), Set.of());
        assertThat(id.nodeId()).isEqualTo("node-1");
        assertThat(id.zone()).isEqualTo("zone-a");
        assertThat(id.roles()).containsExactlyInAnyOrder(NodeRole.STORAGE, NodeRole.VOTER);
        assertThat(id.tlsKeyHash()).isEqualTo(NodeClaims.keyHash(node.keys().tls().getPublic()));
        assertThat(id.kemKeyHash()).isEqualTo(NodeClaims.keyHash(node.keys().kem().getPublic()));
        assertThat(id.falconKey().publicKey().getEncoded()).isEqualTo(node.keys().falcon().publicKey().getEncoded());
        assertThat(id.serial()).isEqualTo(node.leaf().getSerialNumber());
        NodeCertificateValidator.requireTlsKey(id, node.keys().tls().getPublic());
        // A trailing root in the chain is tolerated.
        NodeCertificateValidator.validate(List.of(node.chain().get(0), node.chain().get(1), root()), root(), NOW, Set.of());
    }

    @Test
    void chainAlsoValidatesWithTheJdkPkixValidator() throws Exception {
        // The JDK's own PKIX implementation (not BouncyCastle's) accepts the Falcon chain when the
        // stoq extension is understood; proves the certificates are standard X.509, not BC-only.
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root(), null)));
        params.setDate(Date.from(NOW));
        params.setRevocationEnabled(false);
        params.addCertPathChecker(new java.security.cert.PKIXCertPathChecker() {
            @Override public void init(boolean forward) {}
            @Override public boolean isForwardCheckingSupported() { return true; }
            @Override public Set<String> getSupportedExtensions() { return Set.of(NodeIdentityExtension.OID.getId()); }
            @Override public void check(java.security.cert.Certificate c, java.util.Collection<String> crit) {
                crit.remove(NodeIdentityExtension.OID.getId());
            }
        });
        StoqProviders.bc();
        var path = CertificateFactory.getInstance("X.509").generateCertPath(node.chain());
        CertPathValidator.getInstance("PKIX").validate(path, params);
    }

    @Test
    void expiredAndNotYetValidAreRefused() {
        assertThat(rejection(() -> NodeCertificateValidator.validate(node.chain(), root(), NOW.plus(Duration.ofDays(31)), Set.of())))
                .hasMessageContaining("expired on");
        assertThat(rejection(() -> NodeCertificateValidator.validate(node.chain(), root(), NOW.minus(Duration.ofDays(1)), Set.of())))
                .hasMessageContaining("not valid before");
    }

    /**
     * A certificate whose DER parses but whose signature BIT STRING claims unused bits makes
     * BouncyCastle throw an IllegalStateException while verifying; found by flipping bytes of real
     * proof bundles. It must be a rejection like any other bad signature, not an escaping
     * runtime exception.
     */
    @Test
    void aMalformedSignatureBitStringIsARejection() throws Exception {
        org.bouncycastle.asn1.x509.Certificate parsed =
                org.bouncycastle.asn1.x509.Certificate.getInstance(node.leaf().getEncoded());
        byte[] sig = parsed.getSignature().getOctets();
        byte[] der = new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                parsed.getTBSCertificate(), parsed.getSignatureAlgorithm(),
                new org.bouncycastle.asn1.DERBitString(sig, 1)}).getEncoded();
        X509Certificate odd = (X509Certificate) java.security.cert.CertificateFactory
                .getInstance("X.509", io.stoq.crypto.StoqProviders.bc())
                .generateCertificate(new java.io.ByteArrayInputStream(der));
        List<X509Certificate> chain = new java.util.ArrayList<>(node.chain());
        chain.set(0, odd);
        assertThat(rejection(() -> NodeCertificateValidator.validate(chain, root(), NOW.plusSeconds(60), Set.of())))
                .hasMessageContaining("does not verify");
    }

    @Test
    void revokedSerialIsRefused() {
        assertThat(rejection(() -> NodeCertificateValidator.validate(node.chain(), root(), NOW,
                Set.of(node.leaf().getSerialNumber())))).hasMessageContaining("is revoked");
        assertThat(rejection(() -> NodeCertificateValidator.validate(node.chain(), root(), NOW,
                Set.of(node.chain().get(1).getSerialNumber())))).hasMessageContaining("intermediate CA").hasMessageContaining("is revoked");
    }

    @Test
    void certificateFromAnotherCaIsRefused() throws Exception {
        CaFixture other = new CaFixture(tmp.resolve("other-ca"), "othernet");
        CaFixture.Issued stranger = other.issue("node-9");
        assertThat(rejection(() -> NodeCertificateValidator.validate(stranger.chain(), root(), NOW, Set.of())))
                .hasMessageContaining("wrong issuer");
        // Same network name, so the issuer names match: only the signature tells them apart.
        CaFixture twin = new CaFixture(tmp.resolve("twin-ca"), "testnet");
        CaFixture.Issued impostor = twin.issue("node-1");
        assertThat(rejection(() -> NodeCertificateValidator.validate(impostor.chain(), root(), NOW, Set.of())))
                .hasMessageContaining("does not verify");
        // Splicing the impostor's leaf onto our real intermediate fails too.
        assertThat(rejection(() -> NodeCertificateValidator.validate(List.of(impostor.leaf(), fixture.ca.intermediate()), root(), NOW, Set.of())))
                .hasMessageContaining("does not verify");
    }

    @Test
    void tamperedCertificateIsRefused() throws Exception {
        byte[] der = node.leaf().getEncoded();
        der[der.length - 40] ^= 0x01; // inside the signature
        X509Certificate tampered = PemFiles.certificateFromDer("test", der);
        assertThat(rejection(() -> NodeCertificateValidator.validate(List.of(tampered, node.chain().get(1)), root(), NOW, Set.of())))
                .hasMessageContaining("does not verify");
    }

    @Test
    void tlsKeyHashMismatchIsRefused() throws Exception {
        NodeIdentity id = NodeCertificateValidator.validate(node.chain(), root(), NOW, Set.of());
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        assertThat(rejection(() -> NodeCertificateValidator.requireTlsKey(id, ec.generateKeyPair().getPublic())))
                .hasMessageContaining("TLS key hash mismatch");
    }

    @Test
    void wrongKeyUsageOnNodeCertificateIsRefused() throws Exception {
        SigningKey intermediateKey = intermediateKey();
        NodeClaims claims = CaFixture.claims(node.keys(), "node-2");
        X509v3CertificateBuilder b = builder(NodeCsr.subject("node-2"), node.keys().falcon());
        b.addExtension(NodeIdentityExtension.OID, true, NodeIdentityExtension.encode(claims));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyEncipherment));
        X509Certificate bad = sign(b, intermediateKey);
        assertThat(rejection(() -> NodeCertificateValidator.validate(List.of(bad, fixture.ca.intermediate()), root(), NOW, Set.of())))
                .hasMessageContaining("wrong key usage");
    }

    @Test
    void issuerWithoutCertSignUsageIsRefused() throws Exception {
        // A node certificate used as if it were an intermediate: it may not issue certificates.
        SigningKey nodeKey = node.keys().falcon();
        NodeKeys victimKeys = NodeKeys.generate();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(node.leaf(), BigInteger.TEN, Date.from(NOW.minusSeconds(60)),
                Date.from(NOW.plusSeconds(3600)), NodeCsr.subject("node-3"), victimKeys.falcon().publicKey());
        b.addExtension(NodeIdentityExtension.OID, true, NodeIdentityExtension.encode(CaFixture.claims(victimKeys, "node-3")));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        X509Certificate forged = sign(b, nodeKey);
        assertThat(rejection(() -> NodeCertificateValidator.validate(List.of(forged, node.leaf(), fixture.ca.intermediate()), root(), NOW, Set.of())))
                .hasMessageContaining("cannot issue certificates");
    }

    @Test
    void certificateWithoutNodeExtensionIsRefused() throws Exception {
        X509v3CertificateBuilder b = builder(NodeCsr.subject("node-4"), node.keys().falcon());
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        X509Certificate plain = sign(b, intermediateKey());
        assertThat(rejection(() -> NodeCertificateValidator.validate(List.of(plain, fixture.ca.intermediate()), root(), NOW, Set.of())))
                .hasMessageContaining("not a stoq node certificate");
    }

    @Test
    void crlRevocationAndCrlChecks() throws Exception {
        CaFixture own = new CaFixture(tmp.resolve("crl-ca"), "crlnet");
        CaFixture.Issued a = own.issue("node-a");
        CaFixture.Issued b = own.issue("node-b");
        own.ca.revoke(a.leaf().getSerialNumber(), CertificateIssuer.RevocationReason.KEY_COMPROMISE);
        var crl = own.ca.crl();
        assertThat(rejection(() -> NodeCertificateValidator.validate(a.chain(), own.ca.root(), NOW, crl))).hasMessageContaining("revoked");
        assertThat(NodeCertificateValidator.validate(b.chain(), own.ca.root(), NOW, crl).nodeId()).isEqualTo("node-b");
        assertThat(rejection(() -> NodeCertificateValidator.validate(b.chain(), own.ca.root(), NOW.plus(Duration.ofDays(8)), crl)))
                .hasMessageContaining("stale");
        // A CRL from another CA (same DN, other key) is refused rather than trusted.
        CaFixture twin = new CaFixture(tmp.resolve("crl-twin"), "crlnet");
        var foreign = twin.ca.crl();
        assertThat(rejection(() -> NodeCertificateValidator.validate(b.chain(), own.ca.root(), NOW, foreign)))
                .hasMessageContaining("CRL's signature does not verify");
    }

    private static SigningKey intermediateKey() throws Exception {
        return new SigningKey(SignatureAlgorithm.FALCON_512,
                PemFiles.readPrivateKey(fixture.ca.directory().resolve("private/intermediate.key.pem"), null),
                fixture.ca.intermediate().getPublicKey());
    }

    private static X509v3CertificateBuilder builder(org.bouncycastle.asn1.x500.X500Name subject, SigningKey subjectKey) {
        return new JcaX509v3CertificateBuilder(fixture.ca.intermediate(), BigInteger.valueOf(77), Date.from(NOW.minusSeconds(60)),
                Date.from(NOW.plusSeconds(3600)), subject, subjectKey.publicKey());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, SigningKey key) throws Exception {
        return new JcaX509CertificateConverter().setProvider(StoqProviders.bc()).getCertificate(
                builder.build(new JcaContentSignerBuilder("Falcon-512").setProvider(StoqProviders.bc()).build(key.privateKey())));
    }
}
