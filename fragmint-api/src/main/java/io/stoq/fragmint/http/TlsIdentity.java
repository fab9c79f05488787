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
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The classical TLS key and certificate chain for HTTP/3 (QUIC's BoringSSL cannot carry Falcon
 * certificates, DESIGN.md s.4). stoq-node passes the node's TLS identity; for development
 * {@link #selfSigned} makes an ECDSA P-256 certificate with the given names as SANs (the HTTP/3
 * client checks the hostname, so a SAN is required).
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
            X509Certificate cert = new JcaX509CertificateConverter().setProvider(StoqProviders.bc())
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                            .setProvider(StoqProviders.bc()).build(kp.getPrivate())));
            return new TlsIdentity(kp.getPrivate(), List.of(cert));
        } catch (OperatorCreationException | java.io.IOException e) {
            throw new GeneralSecurityException("cannot build the development certificate", e);
        }
    }
}
