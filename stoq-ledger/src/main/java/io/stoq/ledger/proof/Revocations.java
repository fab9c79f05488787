package io.stoq.ledger.proof;

import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.ledger.LedgerException;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The revocation evidence of a proof check: every CRL given (the bundle's and the verifier's own),
 * each verified against the CA that issued the certificate it speaks for. Revocation is permanent
 * (stoq's CA never drops a serial from its list), so a serial listed by any authentic CRL, old or
 * new, is revoked; and a certificate is accepted only when at least one authentic CRL from its
 * issuer is current at the verification time. Stateless and thread-safe.
 */
final class Revocations {
    private Revocations() {}

    static List<X509CRL> parse(List<byte[]> crlsDer, String where) throws LedgerException {
        List<X509CRL> out = new ArrayList<>();
        for (byte[] der : crlsDer) {
            try {
                out.add((X509CRL) CertificateFactory.getInstance("X.509", StoqProviders.bc()).generateCRL(new ByteArrayInputStream(der)));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw ProofVerifier.invalid(where + " holds something that is not a DER X.509 CRL");
            }
        }
        return out;
    }

    /**
     * Fails unless the CRLs from {@code issuer} include one current at {@code now} and none of them
     * lists {@code subject}'s certificate. Every CRL in {@code crls} must be signed by one of
     * {@code issuers} (a CRL from elsewhere is a malformed proof, not something to ignore).
     */
    static ProofVerifier.CrlUsed check(List<X509CRL> crls, List<X509Certificate> issuers, X509Certificate issuer, NodeIdentity subject,
            String who, Instant now) throws LedgerException {
        List<X509CRL> fromIssuer = new ArrayList<>();
        for (X509CRL crl : crls) {
            X509Certificate signer = issuers.stream()
                    .filter(i -> i.getSubjectX500Principal().equals(crl.getIssuerX500Principal())).findFirst().orElse(null);
            if (signer == null) {
                throw ProofVerifier.invalid("a CRL was issued by '" + crl.getIssuerX500Principal().getName()
                        + "', which issued no certificate in this proof");
            }
            try {
                crl.verify(signer.getPublicKey(), StoqProviders.bc());
            } catch (GeneralSecurityException | RuntimeException e) {
                throw ProofVerifier.invalid("a CRL naming '" + signer.getSubjectX500Principal().getName()
                        + "' as issuer is not signed by its key (forged or altered)");
            }
            if (signer.equals(issuer)) {
                fromIssuer.add(crl);
            }
        }
        for (X509CRL crl : fromIssuer) {
            X509CRLEntry entry = crl.getRevokedCertificate(subject.serial());
            if (entry != null) {
                throw ProofVerifier.invalid(who + " node " + subject.nodeId() + "'s certificate (serial " + subject.serial().toString(16)
                        + ") is revoked since " + entry.getRevocationDate().toInstant()
                        + (entry.getRevocationReason() == null ? "" : " (" + entry.getRevocationReason() + ")")
                        + ": nothing its key signed is trusted, whatever time it claims");
            }
        }
        X509CRL current = fromIssuer.stream()
                .filter(c -> !c.getThisUpdate().toInstant().isAfter(now) && c.getNextUpdate() != null
                        && !c.getNextUpdate().toInstant().isBefore(now))
                .max(Comparator.comparing(c -> c.getThisUpdate().toInstant())).orElse(null);
        if (current == null) {
            if (fromIssuer.isEmpty()) {
                throw ProofVerifier.invalid("no CRL from '" + issuer.getSubjectX500Principal().getName() + "' to check the " + who
                        + "'s certificate against: the bundle carries none; give the verifier the CA's current crl.pem");
            }
            X509CRL newest = fromIssuer.stream().max(Comparator.comparing(c -> c.getThisUpdate().toInstant())).orElseThrow();
            throw ProofVerifier.invalid("no CRL is current at " + now + ": the newest, dated " + newest.getThisUpdate().toInstant()
                    + (newest.getNextUpdate() == null ? ", has no next-update time"
                            : ", was due for renewal at " + newest.getNextUpdate().toInstant())
                    + "; give the verifier a fresh one (`stoq ca crl` on the CA)");
        }
        byte[] number = current.getExtensionValue("2.5.29.20");
        return new ProofVerifier.CrlUsed(number == null ? null : crlNumber(number), current.getThisUpdate().toInstant(),
                current.getNextUpdate().toInstant());
    }

    private static BigInteger crlNumber(byte[] extensionValue) {
        try {
            byte[] inner = org.bouncycastle.asn1.ASN1OctetString.getInstance(extensionValue).getOctets();
            return org.bouncycastle.asn1.ASN1Integer.getInstance(inner).getValue();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
