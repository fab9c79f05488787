package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.VerifyingKey;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * Decides whether a node certificate chain is trustworthy and, if so, what it proves.
 *
 * <p>Two layers, both must pass: first stoq's own checks, one rule at a time, so a refusal names the
 * certificate and the rule it broke (wrong issuer, bad signature, expired, revoked, key usage, not a
 * node certificate); then standard PKIX path validation (RFC 5280) by BouncyCastle's validator,
 * which also knows the critical node identity extension through a path checker. Revocation comes
 * from a set of serials (the ledger's revocation list) or a CRL verified against the intermediate.
 *
 * <p>Stateless and thread-safe. Time is always passed in: the ledger validates at block time.
 */
public final class NodeCertificateValidator {
    private NodeCertificateValidator() {}

    /**
     * Validates {@code chain} (node certificate first, then the intermediate; a trailing copy of the
     * root is ignored) against {@code root} at instant {@code at}, treating {@code revokedSerials}
     * (of node or intermediate certificates) as revoked.
     */
    public static NodeIdentity validate(List<X509Certificate> chain, X509Certificate root, Instant at, Set<BigInteger> revokedSerials)
            throws CryptoException {
        List<X509Certificate> path = new ArrayList<>(chain);
        if (!path.isEmpty() && path.get(path.size() - 1).equals(root)) {
            path.remove(path.size() - 1);
        }
        if (path.isEmpty()) {
            throw reject("the chain holds no node certificate");
        }
        checkRoot(root, at);
        for (int i = 0; i < path.size(); i++) {
            X509Certificate issuer = i + 1 < path.size() ? path.get(i + 1) : root;
            checkLink(path.get(i), issuer, at);
            if (revokedSerials.contains(path.get(i).getSerialNumber())) {
                throw reject(describe(path.get(i)) + " (serial " + path.get(i).getSerialNumber().toString(16) + ") is revoked");
            }
        }
        X509Certificate leaf = path.get(0);
        if (leaf.getBasicConstraints() != -1) {
            throw reject(describe(leaf) + " is a CA certificate, not a node certificate");
        }
        boolean[] usage = leaf.getKeyUsage();
        if (usage == null || !usage[0]) {
            throw reject("wrong key usage: " + describe(leaf) + " is not allowed to sign (digitalSignature missing)");
        }
        NodeClaims claims = NodeIdentityExtension.from(leaf);
        if (!NodeCsr.subject(claims.nodeId()).equals(X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded()))) {
            throw reject(describe(leaf) + " does not name node " + claims.nodeId() + " in its subject");
        }
        runPkix(path, root, at);
        VerifyingKey falconKey;
        try {
            falconKey = VerifyingKey.fromSpki(leaf.getPublicKey().getEncoded());
        } catch (CryptoException e) {
            throw reject(describe(leaf) + " carries an unusable public key");
        }
        return new NodeIdentity(claims.nodeId(), claims.zone(), claims.roles(), claims.tlsKeyHash(), claims.kemKeyHash(),
                leaf.getSerialNumber(), falconKey, leaf.getNotAfter().toInstant(), claims.slhDsaKeyHash());
    }

    /**
     * Same as {@link #validate(List, X509Certificate, Instant, Set)} with revocations taken from a
     * CRL, which must be signed by the chain's intermediate and current at {@code at}.
     */
    public static NodeIdentity validate(List<X509Certificate> chain, X509Certificate root, Instant at, X509CRL crl)
            throws CryptoException {
        if (chain.size() < 2) {
            throw reject("the chain must hold the node certificate and its intermediate");
        }
        // Chain faults (expiry, forgery) are reported before CRL faults: they are the more basic problem.
        validate(chain, root, at, Set.of());
        return validate(chain, root, at, revokedSerials(crl, chain.get(1), at));
    }

    /** The serials a CRL revokes, after checking its signature by {@code issuer} and its freshness at {@code at}. */
    public static Set<BigInteger> revokedSerials(X509CRL crl, X509Certificate issuer, Instant at) throws CryptoException {
        if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            throw reject("the CRL was issued by " + crl.getIssuerX500Principal().getName()
                    + ", not by " + issuer.getSubjectX500Principal().getName());
        }
        try {
            crl.verify(issuer.getPublicKey(), StoqProviders.bc());
        } catch (GeneralSecurityException | RuntimeException e) { // BC throws unchecked on malformed encodings
            throw reject("the CRL's signature does not verify with " + describe(issuer) + "'s key");
        }
        if (crl.getThisUpdate().toInstant().isAfter(at)) {
            throw reject("the CRL is dated " + crl.getThisUpdate().toInstant() + ", after the validation time " + at);
        }
        if (crl.getNextUpdate() != null && crl.getNextUpdate().toInstant().isBefore(at)) {
            throw reject("the CRL is stale: its next update was due " + crl.getNextUpdate().toInstant() + "; run `stoq ca crl`");
        }
        Set<BigInteger> serials = new HashSet<>();
        if (crl.getRevokedCertificates() != null) {
            crl.getRevokedCertificates().forEach(entry -> serials.add(entry.getSerialNumber()));
        }
        return serials;
    }

    /** Checks that {@code tlsKey} is the TLS key the node certificate vouches for. */
    public static void requireTlsKey(NodeIdentity identity, PublicKey tlsKey) throws CryptoException {
        Hash256 actual = NodeClaims.keyHash(tlsKey);
        if (!actual.equals(identity.tlsKeyHash())) {
            throw reject("TLS key hash mismatch: node " + identity.nodeId() + "'s certificate vouches for TLS key "
                    + identity.tlsKeyHash().toHex().substring(0, 16) + "..., but the key presented hashes to "
                    + actual.toHex().substring(0, 16) + "...");
        }
    }

    /**
     * Checks that {@code slhDsaKey} is the SLH-DSA manifest key the node certificate vouches for.
     * A certificate issued before nodes had one (identity extension version 1) vouches for none and
     * is refused with what to do about it.
     */
    public static void requireSlhDsaKey(NodeIdentity identity, PublicKey slhDsaKey) throws CryptoException {
        Hash256 actual = NodeClaims.keyHash(slhDsaKey);
        if (identity.slhDsaKeyHash().isEmpty()) {
            throw reject("node " + identity.nodeId() + "'s certificate (serial " + identity.serial().toString(16)
                    + ") binds no SLH-DSA manifest key: it was issued before nodes had one. Make a new CSR with"
                    + " `stoq node csr` and have the CA issue a new certificate");
        }
        if (!actual.equals(identity.slhDsaKeyHash().get())) {
            throw reject("SLH-DSA key hash mismatch: node " + identity.nodeId() + "'s certificate vouches for SLH-DSA key "
                    + identity.slhDsaKeyHash().get().toHex().substring(0, 16) + "..., but the key presented hashes to "
                    + actual.toHex().substring(0, 16) + "...");
        }
    }

    private static void checkRoot(X509Certificate root, Instant at) throws CryptoException {
        checkTime(root, at);
        try {
            root.verify(root.getPublicKey(), StoqProviders.bc());
        } catch (GeneralSecurityException | RuntimeException e) { // BC throws unchecked on malformed encodings
            throw reject("the root certificate's self-signature does not verify");
        }
        requireCa(root);
    }

    private static void checkLink(X509Certificate cert, X509Certificate issuer, Instant at) throws CryptoException {
        if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            throw reject("wrong issuer: " + describe(cert) + " was issued by " + cert.getIssuerX500Principal().getName()
                    + ", but the next certificate up is " + issuer.getSubjectX500Principal().getName());
        }
        try {
            cert.verify(issuer.getPublicKey(), StoqProviders.bc());
        } catch (GeneralSecurityException | RuntimeException e) { // BC throws unchecked on malformed encodings, e.g. a signature BIT STRING with pad bits
            throw reject("the signature on " + describe(cert) + " does not verify with " + describe(issuer)
                    + "'s key: forged, altered, or issued by another CA");
        }
        requireCa(issuer);
        checkTime(cert, at);
    }

    private static void requireCa(X509Certificate issuer) throws CryptoException {
        boolean[] usage = issuer.getKeyUsage();
        if (issuer.getBasicConstraints() < 0) {
            throw reject(describe(issuer) + " is not a CA certificate and cannot issue certificates");
        }
        if (usage == null || !usage[5]) {
            throw reject("wrong key usage: " + describe(issuer) + " is not allowed to sign certificates (keyCertSign missing)");
        }
    }

    private static void checkTime(X509Certificate cert, Instant at) throws CryptoException {
        try {
            cert.checkValidity(Date.from(at));
        } catch (CertificateExpiredException e) {
            throw reject(describe(cert) + " expired on " + cert.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw reject(describe(cert) + " is not valid before " + cert.getNotBefore().toInstant());
        }
    }

    private static void runPkix(List<X509Certificate> path, X509Certificate root, Instant at) throws CryptoException {
        try {
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            params.setDate(Date.from(at));
            // Revocation was checked above from the ledger's list or a verified CRL.
            params.setRevocationEnabled(false);
            params.addCertPathChecker(new NodeExtensionChecker());
            CertificateFactory factory = CertificateFactory.getInstance("X.509", StoqProviders.bc());
            CertPathValidator.getInstance("PKIX", StoqProviders.bc()).validate(factory.generateCertPath(path), params);
        } catch (CertPathValidatorException e) {
            throw reject("PKIX path validation failed: " + e.getMessage());
        } catch (IllegalStateException | IllegalArgumentException e) {
            // BC's path validator throws unchecked on malformed encodings (a signature BIT STRING with pad bits)
            throw reject("PKIX path validation failed on a malformed certificate: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "PKIX validator unavailable: " + e.getMessage(), e);
        }
    }

    private static String describe(X509Certificate cert) {
        return "certificate '" + cert.getSubjectX500Principal().getName() + "'";
    }

    private static CryptoException reject(String reason) {
        return new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED, reason);
    }

    /** Tells PKIX that stoq understands its critical node identity extension (and checks it decodes). */
    private static final class NodeExtensionChecker extends PKIXCertPathChecker {
        @Override
        public void init(boolean forward) {}

        @Override
        public boolean isForwardCheckingSupported() {
            return true;
        }

        @Override
        public Set<String> getSupportedExtensions() {
            return Set.of(NodeIdentityExtension.OID.getId());
        }

        @Override
        public void check(java.security.cert.Certificate cert, Collection<String> unresolvedCritExts) throws CertPathValidatorException {
            if (unresolvedCritExts.remove(NodeIdentityExtension.OID.getId())) {
                try {
                    NodeIdentityExtension.from((X509Certificate) cert);
                } catch (CryptoException e) {
                    throw new CertPathValidatorException(e.getMessage());
                }
            }
        }
    }
}
