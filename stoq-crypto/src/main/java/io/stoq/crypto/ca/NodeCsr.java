package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import java.io.IOException;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 certificate signing requests for node certificates: subject {@code CN=<node id>}, the
 * node's Falcon-512 public key, the {@link NodeIdentityExtension} in an extensionRequest attribute,
 * signed with the Falcon key itself (proof of possession).
 */
public final class NodeCsr {
    private NodeCsr() {}

    /** Builds and signs a CSR for {@code claims} with the node's Falcon key. */
    public static PKCS10CertificationRequest create(SigningKey falconKey, NodeClaims claims) throws CryptoException {
        claims.validate();
        if (falconKey.algorithm() != SignatureAlgorithm.FALCON_512) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    "node keys are Falcon-512; got " + falconKey.algorithm().id());
        }
        try {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(NodeIdentityExtension.OID, true, NodeIdentityExtension.encode(claims));
            return new JcaPKCS10CertificationRequestBuilder(subject(claims.nodeId()), falconKey.publicKey())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(new JcaContentSignerBuilder(falconKey.algorithm().jcaName())
                            .setProvider(StoqProviders.bc()).build(falconKey.privateKey()));
        } catch (OperatorCreationException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot build CSR: " + e.getMessage(), e);
        }
    }

    /** The subject name of a node certificate. */
    public static X500Name subject(String nodeId) {
        return new X500Name("CN=" + nodeId + ",O=stoq node");
    }

    /**
     * Checks a CSR as the CA must before issuing: a Falcon-512 key, a valid self-signature (proof
     * the requester holds the private key), well-formed claims, and a subject matching the node id.
     */
    public static Verified verify(PKCS10CertificationRequest csr) throws CryptoException {
        VerifyingKey key;
        try {
            key = VerifyingKey.fromSpki(csr.getSubjectPublicKeyInfo().getEncoded());
        } catch (IOException | CryptoException e) {
            throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED, "CSR carries an unusable public key: " + e.getMessage(), e);
        }
        if (key.algorithm() != SignatureAlgorithm.FALCON_512) {
            throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED,
                    "CSR key is " + key.algorithm().id() + "; node keys must be " + SignatureAlgorithm.FALCON_512.id());
        }
        boolean valid;
        try {
            valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(StoqProviders.bc())
                    .build(csr.getSubjectPublicKeyInfo()));
        } catch (PKCSException | OperatorCreationException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED,
                    "CSR signature is invalid: it was not signed by the key it carries, or it was altered");
        }
        NodeClaims claims = NodeIdentityExtension.decode(requestedExtension(csr).getExtnValue().getOctets());
        if (!subject(claims.nodeId()).equals(csr.getSubject())) {
            throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED,
                    "CSR subject " + csr.getSubject() + " does not match its node id " + claims.nodeId());
        }
        return new Verified(key, claims);
    }

    private static Extension requestedExtension(PKCS10CertificationRequest csr) throws CryptoException {
        Attribute[] attributes = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
        if (attributes.length != 1) {
            throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED, "CSR has no extension request: not made by `stoq node csr`");
        }
        ASN1Encodable[] values = attributes[0].getAttributeValues();
        Extension extension = values.length == 1 ? Extensions.getInstance(values[0]).getExtension(NodeIdentityExtension.OID) : null;
        if (extension == null) {
            throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED, "CSR does not request a node identity extension");
        }
        return extension;
    }

    /** A CSR that passed {@link #verify}: the proven Falcon key and the claims to certify. */
    public record Verified(VerifyingKey falconKey, NodeClaims claims) {}
}
