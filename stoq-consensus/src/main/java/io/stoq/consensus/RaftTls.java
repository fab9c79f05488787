package io.stoq.consensus;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.net.LocalIdentity;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.handshake.PeerVerifier;
import io.stoq.net.transport.ChainCheckTrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Consumer;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.server.GrpcServices;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
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
 * Mutual TLS for Ratis's gRPC traffic whose trust decision is the STOQ identity check.
 *
 * <p>TLS cannot carry Falcon certificates, so each node presents a self-signed X.509 certificate
 * for its classical TLS key that carries, in a non-critical extension ({@link #CHAIN_OID}), its
 * Falcon node certificate chain. Nothing in that TLS certificate is trusted by itself. A peer
 * (client or server side) is accepted only when:
 *
 * <ol>
 *   <li>the extension holds a Falcon chain that leads to this network's root, is valid now and
 *       has nothing revoked in it ({@link PeerVerifier#checkChain}: the CA's CRL and the ledger's
 *       revocations feed its {@code RevocationSource});
 *   <li>that node certificate binds the TLS key the handshake just proved possession of
 *       ({@link NodeCertificateValidator#requireTlsKey}).
 * </ol>
 *
 * The TLS handshake's own signature proves the peer holds the TLS private key, so a copied
 * certificate is useless without it; a key the Falcon certificate does not bind is refused even
 * when the chain is genuine. Refusals are counted and logged (rate-limited, {@link RaftRefusals}) and fail the handshake, so an
 * uncertified process can neither join the group nor send it a request. The certificate also names
 * the node's advertised address as a SAN only because gRPC's client checks the host name; trust
 * never comes from it.
 *
 * <p>Thread-safe: the trust manager keeps no state; the revocation source is asked at each handshake.
 */
public final class RaftTls {
    /** Where the TLS certificate carries the Falcon chain (DER SEQUENCE of OCTET STRING, node certificate first). */
    public static final ASN1ObjectIdentifier CHAIN_OID = new ASN1ObjectIdentifier("2.25.142518910320691135916910675023650582213");
    private static final Duration VALIDITY = Duration.ofDays(397);

    private final X509Certificate certificate;
    private final KeyPair tlsKey;
    private final PeerVerifier verifier;
    private final Consumer<String> refusals;
    private final RaftRefusals counters = new RaftRefusals();

    private RaftTls(X509Certificate certificate, KeyPair tlsKey, PeerVerifier verifier, Consumer<String> refusals) {
        this.certificate = certificate;
        this.tlsKey = tlsKey;
        this.verifier = verifier;
        this.refusals = refusals;
    }

    /**
     * TLS for a node with {@code identity}, reachable at {@code address}, that trusts what
     * {@code verifier} accepts; every refusal is logged and passed to {@code refusals}.
     */
    public static RaftTls of(LocalIdentity identity, InetAddress address, PeerVerifier verifier, Consumer<String> refusals)
            throws ConsensusException {
        return new RaftTls(certificate(identity.tlsKey(), identity.nodeId(), address, identity.chain()), identity.tlsKey(), verifier,
                refusals);
    }

    /**
     * For tests that need a process presenting a TLS key its Falcon certificate does not bind (an
     * impostor), or a chain from another CA: skips {@link LocalIdentity}'s start-up checks.
     */
    static RaftTls unchecked(KeyPair tlsKey, String nodeId, List<X509Certificate> chain, InetAddress address, PeerVerifier verifier,
            Consumer<String> refusals) throws ConsensusException {
        return new RaftTls(certificate(tlsKey, nodeId, address, chain), tlsKey, verifier, refusals);
    }

    /** The self-signed TLS certificate this node presents, carrying its Falcon chain. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The Ratis gRPC TLS configuration: this node's key and certificate, mutual TLS, the STOQ trust check. */
    public GrpcTlsConfig grpcConfig() throws ConsensusException {
        return new GrpcTlsConfig(keyManager(), new StoqTrustManager(), true);
    }

    /**
     * Runs the trust decision on a presented TLS certificate chain and returns the node it
     * proves; what the trust manager does on both sides of every handshake.
     */
    public NodeIdentity check(X509Certificate[] presented) throws CertificateException {
        NetErrorCode code = NetErrorCode.CHAIN_REJECTED;
        try {
            if (presented == null || presented.length == 0) {
                throw new CertificateException("no TLS certificate presented");
            }
            X509Certificate tls = presented[0];
            List<X509Certificate> chain = falconChain(tls);
            NodeIdentity identity;
            try {
                identity = verifier.checkChain(chain);
            } catch (NetException e) {
                code = e.code();
                throw new CertificateException(e.code() + ": " + e.getMessage(), e);
            }
            try {
                NodeCertificateValidator.requireTlsKey(identity, tls.getPublicKey());
            } catch (CryptoException e) {
                code = NetErrorCode.TLS_KEY_MISMATCH;
                throw new CertificateException("TLS_KEY_MISMATCH: " + e.getMessage(), e);
            }
            return identity;
        } catch (CertificateException e) {
            String why = "refused a Raft peer: " + e.getMessage();
            counters.refused(code, e.getMessage());
            refusals.accept(why);
            throw e;
        }
    }

    /** Refusals of Raft peers so far, by reason (for {@code /metrics}). */
    public RaftRefusals refusals() {
        return counters;
    }

    /**
     * The gRPC server customizer that re-checks revocation on every call and every message: a
     * peer revoked after its TLS connection opened (a NODE_REVOKE applied, a new CRL) can no
     * longer send entries, votes or SUBMITs through that connection; each call is refused
     * {@code PERMISSION_DENIED}. The trust manager alone decides only at the handshake. Admin calls
     * are served only to nodes for which {@code isMember} holds (see {@link RevokedPeerInterceptor}).
     */
    public GrpcServices.Customizer servicesCustomizer(Predicate<String> isMember) {
        RevokedPeerInterceptor interceptor = new RevokedPeerInterceptor(verifier.revocations(), counters, tls -> {
            try {
                return verifier.checkChain(falconChain(tls)).nodeId();
            } catch (CertificateException | NetException e) {
                return null; // refused at the handshake already, or revoked since: its server messages are refused
            }
        }, isMember);
        return (builder, types) -> builder.intercept(interceptor);
    }

    static List<X509Certificate> falconChain(X509Certificate tls) throws CertificateException {
        byte[] ext = tls.getExtensionValue(CHAIN_OID.getId());
        if (ext == null) {
            throw new CertificateException("CHAIN_REJECTED: the TLS certificate of " + tls.getSubjectX500Principal().getName()
                    + " carries no STOQ node certificate chain");
        }
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(ASN1OctetString.getInstance(ext).getOctets());
            if (seq.size() < 1 || seq.size() > 4) {
                throw new CertificateException("CHAIN_REJECTED: a STOQ chain of " + seq.size() + " certificates");
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509", StoqProviders.bc());
            List<X509Certificate> chain = new ArrayList<>(seq.size());
            for (ASN1Encodable e : seq) {
                chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(ASN1OctetString.getInstance(e).getOctets())));
            }
            return chain;
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new CertificateException("CHAIN_REJECTED: the STOQ chain in the TLS certificate cannot be read: " + e.getMessage(), e);
        }
    }

    private static X509Certificate certificate(KeyPair tls, String nodeId, InetAddress address, List<X509Certificate> chain)
            throws ConsensusException {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + nodeId + ",O=stoq raft");
        try {
            ASN1Encodable[] certs = new ASN1Encodable[chain.size()];
            for (int i = 0; i < certs.length; i++) {
                certs[i] = new DEROctetString(chain.get(i).getEncoded());
            }
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(1, SecureRandoms.bytes(16)),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), name, tls.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, nodeId), new GeneralName(GeneralName.iPAddress, address.getHostAddress())}));
            builder.addExtension(CHAIN_OID, false, new DERSequence(certs));
            return new JcaX509CertificateConverter().setProvider(StoqProviders.bc()).getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(StoqProviders.bc()).build(tls.getPrivate())));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new ConsensusException(ConsensusErrorCode.BAD_CONFIG, "cannot make the Raft TLS certificate of node " + nodeId + ": "
                    + e.getMessage(), e);
        }
    }

    KeyManager keyManager() throws ConsensusException {
        try {
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("node", tlsKey.getPrivate(), password, new X509Certificate[] {certificate});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return kmf.getKeyManagers()[0];
        } catch (IOException | GeneralSecurityException e) {
            throw new ConsensusException(ConsensusErrorCode.BAD_CONFIG, "cannot load the Raft TLS key: " + e.getMessage(), e);
        }
    }

    /** The Raft transport's trust decision is the STOQ identity check, on either side. */
    private final class StoqTrustManager extends ChainCheckTrustManager {
        @Override
        protected void check(X509Certificate[] chain) throws CertificateException {
            RaftTls.this.check(chain);
        }
    }
}
