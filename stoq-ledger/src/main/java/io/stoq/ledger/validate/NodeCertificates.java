package io.stoq.ledger.validate;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks a node's CA-issued certificate chain as a deterministic rule of the state machine: the
 * STOQ profile and PKIX path validation of stoq-crypto's {@link NodeCertificateValidator}, from the
 * leaf through the intermediate to the network root fixed at genesis, at the block's time (never
 * the wall clock). Revocation is the ledger's own NODE_REVOKE state, checked by the caller.
 */
public final class NodeCertificates {
    private NodeCertificates() {}

    public static X509Certificate parse(byte[] der) throws TxRejectedException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509", StoqProviders.bc());
            return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TxRejectedException(RejectReason.BAD_CERTIFICATE, "not a DER X.509 certificate");
        }
    }

    public static List<X509Certificate> parseChain(List<byte[]> chainDer) throws TxRejectedException {
        List<X509Certificate> chain = new ArrayList<>();
        for (byte[] der : chainDer) {
            chain.add(parse(der));
        }
        return chain;
    }

    /** Validates {@code chainDer} (leaf first) to {@code rootDer} at {@code at}. */
    public static NodeIdentity validate(List<byte[]> chainDer, byte[] rootDer, Instant at) throws TxRejectedException {
        List<X509Certificate> chain = parseChain(chainDer);
        X509Certificate root = parse(rootDer);
        try {
            return NodeCertificateValidator.validate(chain, root, at, Set.of());
        } catch (CryptoException e) {
            throw new TxRejectedException(RejectReason.BAD_CERTIFICATE, "node certificate chain rejected at " + at + ": " + e.getMessage());
        }
    }
}
