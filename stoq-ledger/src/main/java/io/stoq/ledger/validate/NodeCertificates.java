package io.stoq.ledger.validate;

import io.stoq.crypto.StoqProviders;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Checks a node's CA-issued certificate chain at the block's time, as a deterministic rule of the
 * state machine: standard PKIX path validation (BouncyCastle's provider, so Falcon signatures
 * verify) from the leaf up to the network root fixed at genesis, with the validation date set to
 * the block time and revocation left to the ledger's own NODE_REVOKE state.
 *
 * <p>The node id is the leaf subject's common name. When stoq-crypto's {@code NodeCertificateValidator}
 * (the STOQ certificate profile: roles, zone, TLS and KEM key hashes) lands on main, this class should
 * delegate to it; the PKIX check here is real, not a placeholder, but does not read the profile's
 * extensions.
 */
public final class NodeCertificates {
    private NodeCertificates() {}

    /** What the ledger keeps from a valid node certificate. */
    public record NodeCert(String nodeId, byte[] falconSpki, BigInteger serial, Instant notAfter) {}

    public static X509Certificate parse(byte[] der) throws TxRejectedException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509", StoqProviders.bc());
            return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TxRejectedException(RejectReason.BAD_CERTIFICATE, "not a DER X.509 certificate");
        }
    }

    /** Validates {@code chainDer} (leaf first) to {@code rootDer} at {@code at}. */
    public static NodeCert validate(List<byte[]> chainDer, byte[] rootDer, Instant at) throws TxRejectedException {
        if (chainDer.isEmpty()) {
            throw new TxRejectedException(RejectReason.BAD_CERTIFICATE, "empty certificate chain");
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (byte[] der : chainDer) {
            chain.add(parse(der));
        }
        X509Certificate root = parse(rootDer);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509", StoqProviders.bc());
            CertPath path = factory.generateCertPath(chain);
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(at));
            CertPathValidator.getInstance("PKIX", StoqProviders.bc()).validate(path, params);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TxRejectedException(RejectReason.BAD_CERTIFICATE, "node certificate chain rejected at "
                    + at + ": " + firstLine(e.getMessage()));
        }
        X509Certificate leaf = chain.get(0);
        String nodeId = commonName(leaf);
        return new NodeCert(nodeId, leaf.getPublicKey().getEncoded(), leaf.getSerialNumber(), leaf.getNotAfter().toInstant());
    }

    private static String commonName(X509Certificate leaf) throws TxRejectedException {
        RDN[] cn = X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
        if (cn.length != 1) {
            throw new TxRejectedException(RejectReason.BAD_CERTIFICATE, "node certificate subject has no single CN (the node id)");
        }
        String id = IETFUtils.valueToString(cn[0].getFirst().getValue());
        if (id.isEmpty() || id.length() > 128) {
            throw new TxRejectedException(RejectReason.BAD_CERTIFICATE, "node id (subject CN) is empty or too long");
        }
        return id;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
