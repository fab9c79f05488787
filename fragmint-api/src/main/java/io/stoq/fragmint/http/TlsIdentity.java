package io.stoq.fragmint.http;

import io.stoq.crypto.StoqProviders;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The classical TLS key and certificate chain of the API, served by HTTPS and HTTP/3 (neither
 * JDK TLS nor QUIC's BoringSSL can carry Falcon certificates, DESIGN.md s.4). stoq-node loads the
 * operator's certificate or its development certificate; {@link #selfSigned} makes the latter: an
 * ECDSA P-256 server certificate with the given names as SANs (clients check the host name, so a
 * SAN is required), shaped so that curl (OpenSSL), the JDK and browsers accept it as its own
 * trust anchor ({@code curl --cacert}).
 *
 * @param key private key
 * @param chain leaf first
 */
public record TlsIdentity(PrivateKey key, List<X509Certificate> chain) {
    public TlsIdentity {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    /** A self-signed development identity for {@code dnsNames} and {@code ipAddresses}. */
    public static TlsIdentity selfSigned(List<String> dnsNames, List<String> ipAddresses,
            Duration validity) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + (dnsNames.isEmpty() ? "stoq-dev" : dnsNames.get(0)));
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                new BigInteger(64, io.stoq.crypto.SecureRandoms.get()), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(validity)), name, kp.getPublic());
        List<GeneralName> sans = new ArrayList<>();
        dnsNames.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
        ipAddresses.forEach(i -> sans.add(new GeneralName(GeneralName.iPAddress, i)));
        try {
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(sans.toArray(new GeneralName[0])));
            b.addExtension(Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true,
                    new org.bouncycastle.asn1.x509.KeyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new org.bouncycastle.asn1.x509.ExtendedKeyUsage(org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_serverAuth));
            org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils ext = new org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils();
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(kp.getPublic()));
            byte[] der = b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .setProvider(StoqProviders.bc()).build(kp.getPrivate())).getEncoded();
            X509Certificate cert = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
            return new TlsIdentity(kp.getPrivate(), List.of(cert));
        } catch (OperatorCreationException | java.io.IOException e) {
            throw new GeneralSecurityException("cannot build the development certificate", e);
        }
    }
}
