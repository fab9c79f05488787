package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.sign.SigningKey;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds the three certificate profiles of a stoq network and its CRLs. Stateless: the
 * {@link CertificateAuthority} decides what to issue and keeps the records.
 *
 * <ul>
 *   <li>root: self-signed Falcon-1024, CA, keyCertSign + cRLSign, path length 1;
 *   <li>intermediate: Falcon-512 signed by the root, CA, keyCertSign + cRLSign, path length 0;
 *   <li>node: Falcon-512 signed by the intermediate, not a CA, digitalSignature, server and
 *       client auth, SAN dNSName = node id, and the critical {@link NodeIdentityExtension}.
 * </ul>
 */
public final class CertificateIssuer {
    private CertificateIssuer() {}

    public static X509Certificate root(SigningKey rootKey, String network, Instant notBefore, Instant notAfter)
            throws CryptoException {
        X500Name name = new X500Name("CN=" + network + " root CA,O=stoq");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                name, randomSerial(), Date.from(notBefore), Date.from(notAfter), name, rootKey.publicKey());
        return build(builder, rootKey, rootKey.publicKey(), null, 1, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    }

    public static X509Certificate intermediate(SigningKey rootKey, X509Certificate root, PublicKey intermediateKey,
            String network, Instant notBefore, Instant notAfter) throws CryptoException {
        X500Name name = new X500Name("CN=" + network + " intermediate CA,O=stoq");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                root, randomSerial(), Date.from(notBefore), Date.from(notAfter), name, intermediateKey);
        return build(builder, rootKey, intermediateKey, root, 0, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    }

    public static X509Certificate node(SigningKey intermediateKey, X509Certificate intermediate, NodeCsr.Verified request,
            BigInteger serial, Instant notBefore, Instant notAfter) throws CryptoException {
        NodeClaims claims = request.claims();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                intermediate, serial, Date.from(notBefore), Date.from(notAfter),
                NodeCsr.subject(claims.nodeId()), request.falconKey().publicKey());
        try {
            builder.addExtension(NodeIdentityExtension.OID, true, NodeIdentityExtension.encode(claims));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, claims.nodeId())));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot add node extensions: " + e.getMessage(), e);
        }
        return build(builder, intermediateKey, request.falconKey().publicKey(), intermediate, -1,
                new KeyUsage(KeyUsage.digitalSignature));
    }

    /**
     * A CRL signed by {@code issuerKey}: every revoked serial with its time and reason, numbered
     * so that relying parties can tell a newer list from an older one.
     */
    public static X509CRL crl(SigningKey issuerKey, X509Certificate issuer, Map<BigInteger, Revocation> revoked,
            long crlNumber, Instant thisUpdate, Instant nextUpdate) throws CryptoException {
        try {
            JcaX509v2CRLBuilder builder = new JcaX509v2CRLBuilder(issuer, Date.from(thisUpdate));
            builder.setNextUpdate(Date.from(nextUpdate));
            for (var entry : revoked.entrySet()) {
                builder.addCRLEntry(entry.getKey(), Date.from(entry.getValue().revokedAt()), entry.getValue().reason().crlCode());
            }
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(crlNumber)));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.getPublicKey()));
            return new JcaX509CRLConverter().setProvider(StoqProviders.bc()).getCRL(builder.build(signer(issuerKey)));
        } catch (IOException | GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot build CRL: " + e.getMessage(), e);
        }
    }

    /** A positive random 127-bit serial: unique without a counter file that could be lost or forked. */
    public static BigInteger randomSerial() {
        return new BigInteger(1, SecureRandoms.bytes(16)).shiftRight(1).add(BigInteger.ONE);
    }

    private static X509Certificate build(X509v3CertificateBuilder builder, SigningKey signerKey, PublicKey subjectKey,
            X509Certificate issuer, int pathLength, KeyUsage keyUsage) throws CryptoException {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true,
                    pathLength >= 0 ? new BasicConstraints(pathLength) : new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, keyUsage);
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, issuer == null
                    ? utils.createAuthorityKeyIdentifier(subjectKey)
                    : utils.createAuthorityKeyIdentifier(issuer));
            return new JcaX509CertificateConverter().setProvider(StoqProviders.bc()).getCertificate(builder.build(signer(signerKey)));
        } catch (IOException | GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot build certificate: " + e.getMessage(), e);
        }
    }

    private static ContentSigner signer(SigningKey key) throws CryptoException {
        try {
            return new JcaContentSignerBuilder(key.algorithm().jcaName()).setProvider(StoqProviders.bc()).build(key.privateKey());
        } catch (OperatorCreationException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "no content signer for " + key.algorithm().id(), e);
        }
    }

    /** Why and when a certificate was revoked. */
    public record Revocation(Instant revokedAt, RevocationReason reason) {}

    /** RFC 5280 reason codes an operator can give; the CLI takes the lower-case names. */
    public enum RevocationReason {
        UNSPECIFIED(CRLReason.unspecified),
        KEY_COMPROMISE(CRLReason.keyCompromise),
        AFFILIATION_CHANGED(CRLReason.affiliationChanged),
        SUPERSEDED(CRLReason.superseded),
        CESSATION_OF_OPERATION(CRLReason.cessationOfOperation);

        private final int crlCode;

        RevocationReason(int crlCode) {
            this.crlCode = crlCode;
        }

        public int crlCode() {
            return crlCode;
        }
    }
}
