package io.stoq.net;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Who this node is on the STOQ network: its Falcon key and certificate chain (issued by the
 * network CA), the classical TLS key that chain binds, the network's root certificate and id, and
 * the self-signed X.509 certificate for the TLS key that QUIC presents (made here, in memory, at
 * start: QUIC's BoringSSL cannot carry Falcon, and trust never comes from this certificate, only
 * from the Falcon handshake that follows).
 *
 * <p>{@link #of} refuses a chain that does not validate against the root now or that binds
 * another TLS key, so a misconfigured node fails at start, not at its first peer.
 */
public final class LocalIdentity {
    /** The self-signed TLS certificate lives as long as the process, at most this long. */
    private static final Duration TLS_CERT_VALIDITY = Duration.ofDays(397);

    private final SigningKey falcon;
    private final KeyPair tls;
    private final List<X509Certificate> chain;
    private final X509Certificate root;
    private final Hash256 networkId;
    private final NodeIdentity identity;
    private final X509Certificate tlsCertificate;

    private LocalIdentity(SigningKey falcon, KeyPair tls, List<X509Certificate> chain, X509Certificate root, Hash256 networkId,
            NodeIdentity identity) throws CryptoException {
        this.falcon = falcon;
        this.tls = tls;
        this.chain = List.copyOf(chain);
        this.root = root;
        this.networkId = networkId;
        this.identity = identity;
        this.tlsCertificate = selfSigned(tls, identity.nodeId());
    }

    /**
     * The identity of a node with {@code keys} and certificate {@code chain} (node certificate,
     * then intermediate) in the network with root {@code root} and id {@code networkId} (the
     * ledger's network id: SHA3 over the network name and root certificate).
     */
    public static LocalIdentity of(NodeKeys keys, List<X509Certificate> chain, X509Certificate root, Hash256 networkId)
            throws CryptoException {
        NodeIdentity id = NodeCertificateValidator.validate(chain, root, Instant.now(), Set.of());
        NodeCertificateValidator.requireTlsKey(id, keys.tls().getPublic());
        if (!id.falconKey().publicKey().equals(keys.falcon().publicKey())) {
            throw new CryptoException(io.stoq.crypto.CryptoErrorCode.CERTIFICATE_REJECTED,
                    "node " + id.nodeId() + "'s certificate is for another Falcon key than the one in its key directory");
        }
        return new LocalIdentity(keys.falcon(), keys.tls(), chain, root, networkId, id);
    }

    /**
     * For tests that need a node presenting a TLS key its certificate does not bind (an
     * impostor): skips the start-up checks of {@link #of}.
     */
    static LocalIdentity unchecked(SigningKey falcon, KeyPair tls, List<X509Certificate> chain, X509Certificate root,
            Hash256 networkId, NodeIdentity identity) throws CryptoException {
        return new LocalIdentity(falcon, tls, chain, root, networkId, identity);
    }

    public SigningKey falconKey() {
        return falcon;
    }

    public KeyPair tlsKey() {
        return tls;
    }

    /** Node certificate first, then the intermediate. */
    public List<X509Certificate> chain() {
        return chain;
    }

    public X509Certificate root() {
        return root;
    }

    public Hash256 networkId() {
        return networkId;
    }

    public NodeIdentity identity() {
        return identity;
    }

    public String nodeId() {
        return identity.nodeId();
    }

    /** The certificate QUIC's TLS presents for {@link #tlsKey()}. */
    public X509Certificate tlsCertificate() {
        return tlsCertificate;
    }

    private static X509Certificate selfSigned(KeyPair tls, String nodeId) throws CryptoException {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + nodeId + ",O=stoq peer");
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(1, SecureRandoms.bytes(16)),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(TLS_CERT_VALIDITY)), name, tls.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, nodeId)));
            return new JcaX509CertificateConverter().setProvider(StoqProviders.bc()).getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(StoqProviders.bc()).build(tls.getPrivate())));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new CryptoException(io.stoq.crypto.CryptoErrorCode.PROVIDER_FAILURE,
                    "cannot make the QUIC TLS certificate for node " + nodeId + ": " + e.getMessage(), e);
        }
    }
}
