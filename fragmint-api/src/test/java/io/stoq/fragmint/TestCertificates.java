package io.stoq.fragmint;

import io.stoq.crypto.StoqProviders;
import io.stoq.fragmint.http.TlsIdentity;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for TLS tests, as an operator would get them: a CA (root) and a server certificate
 * it issued for {@code localhost} and {@code 127.0.0.1}, ECDSA P-256; and clients that trust
 * exactly one certificate.
 */
public final class TestCertificates {
    private TestCertificates() {}

    /** A certificate with its key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {}

    public static Issued ca(String name) throws Exception {
        KeyPair kp = ecKey();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, kp);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new Issued(sign(b, kp.getPrivate()), kp.getPrivate());
    }

    /** A server certificate for localhost and 127.0.0.1 issued by {@code ca}. */
    public static Issued server(Issued ca) throws Exception {
        KeyPair kp = ecKey();
        X509v3CertificateBuilder b = builder(X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
                new X500Name("CN=localhost"), kp);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        return new Issued(sign(b, ca.key()), kp.getPrivate());
    }

    /** The server identity: its key, and the chain leaf then CA. */
    public static TlsIdentity identity(Issued server, Issued ca) {
        return new TlsIdentity(server.key(), List.of(server.certificate(), ca.certificate()));
    }

    /** A JDK HTTP client of {@code version} that trusts only {@code trusted}. */
    public static HttpClient client(HttpClient.Version version, X509Certificate trusted) throws Exception {
        return HttpClient.newBuilder().version(version).sslContext(trusting(trusted))
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static SSLContext trusting(X509Certificate trusted) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("trusted", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair kp) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new java.security.SecureRandom()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(2))), subject, kp.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey) throws Exception {
        byte[] der = b.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(StoqProviders.bc())
                .build(issuerKey)).getEncoded();
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der));
    }
}
