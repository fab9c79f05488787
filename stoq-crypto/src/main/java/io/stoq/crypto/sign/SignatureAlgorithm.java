package io.stoq.crypto.sign;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.StoqProviders;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.AlgorithmParameterSpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.bc.BCObjectIdentifiers;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jcajce.spec.MLDSAParameterSpec;
import org.bouncycastle.jcajce.spec.SLHDSAParameterSpec;
import org.bouncycastle.pqc.jcajce.spec.FalconParameterSpec;

/**
 * The signature suites stoq knows, each with a stable, versioned identifier.
 *
 * <p>{@link #id()} (for text: JSON, config, CLI) and {@link #code()} (for canonical binary
 * encodings) are part of stoq's wire and storage formats and never change meaning; a new suite
 * (FN-DSA once it is standardised, say) gets a new id and code rather than reusing one. Falcon's
 * OIDs are still BouncyCastle's experimental arc, which is one more reason the stoq id, not the OID,
 * is what formats carry.
 */
public enum SignatureAlgorithm {
    /** Falcon-512 (round 3): node certificates, node and account signatures. */
    FALCON_512(1, "falcon-512.v1", "Falcon-512", BCObjectIdentifiers.falcon_512),
    /** Falcon-1024 (round 3): the offline root CA. */
    FALCON_1024(2, "falcon-1024.v1", "Falcon-1024", BCObjectIdentifiers.falcon_1024),
    /** SLH-DSA-SHA2-128f (FIPS 205, fast variant): asset manifests. */
    SLH_DSA_SHA2_128F(3, "slh-dsa-sha2-128f.v1", "SLH-DSA-SHA2-128F", NISTObjectIdentifiers.id_slh_dsa_sha2_128f),
    /** SLH-DSA-SHA2-128s (FIPS 205, small variant): long-lived signatures where size matters. */
    SLH_DSA_SHA2_128S(4, "slh-dsa-sha2-128s.v1", "SLH-DSA-SHA2-128S", NISTObjectIdentifiers.id_slh_dsa_sha2_128s),
    /** ML-DSA-65 (FIPS 204): account keys that sign often (~20x faster than Falcon here). */
    ML_DSA_65(5, "ml-dsa-65.v1", "ML-DSA-65", NISTObjectIdentifiers.id_ml_dsa_65);

    private final int code;
    private final String id;
    private final String jcaName;
    private final ASN1ObjectIdentifier oid;

    SignatureAlgorithm(int code, String id, String jcaName, ASN1ObjectIdentifier oid) {
        this.code = code;
        this.id = id;
        this.jcaName = jcaName;
        this.oid = oid;
    }

    /** Stable one-byte code for binary encodings. */
    public int code() {
        return code;
    }

    /** Stable, versioned text id, e.g. {@code falcon-512.v1}. */
    public String id() {
        return id;
    }

    /** The JCA algorithm name in BouncyCastle (for key generators, signers, content signers). */
    public String jcaName() {
        return jcaName;
    }

    /** The X.509 algorithm OID of keys and signatures of this suite. */
    public ASN1ObjectIdentifier oid() {
        return oid;
    }

    /** A new key pair from the process's secure random source. */
    public KeyPair generateKeyPair() throws CryptoException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaName, StoqProviders.bc());
            generator.initialize(parameterSpec(), SecureRandoms.get());
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot generate " + id + " key pair: " + e.getMessage(), e);
        }
    }

    private AlgorithmParameterSpec parameterSpec() {
        return switch (this) {
            case FALCON_512 -> FalconParameterSpec.falcon_512;
            case FALCON_1024 -> FalconParameterSpec.falcon_1024;
            case SLH_DSA_SHA2_128F -> SLHDSAParameterSpec.slh_dsa_sha2_128f;
            case SLH_DSA_SHA2_128S -> SLHDSAParameterSpec.slh_dsa_sha2_128s;
            case ML_DSA_65 -> MLDSAParameterSpec.ml_dsa_65;
        };
    }

    /** Signs {@code data} with {@code key}, which must be a key of this suite. */
    public byte[] sign(PrivateKey key, byte[] data) throws CryptoException {
        try {
            Signature signature = Signature.getInstance(jcaName, StoqProviders.bc());
            signature.initSign(key, SecureRandoms.get());
            signature.update(data);
            return signature.sign();
        } catch (InvalidKeyException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "key is not a " + id + " private key", e);
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, id + " signing failed: " + e.getMessage(), e);
        }
    }

    /**
     * True only when {@code signature} is a valid signature of {@code data} under {@code key}. A
     * malformed signature or a key of another suite is simply "not valid", never an exception: the
     * caller's question is yes or no.
     */
    public boolean verify(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance(jcaName, StoqProviders.bc());
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Looks a suite up by its text id. */
    public static SignatureAlgorithm fromId(String id) throws CryptoException {
        for (SignatureAlgorithm a : values()) {
            if (a.id.equals(id)) {
                return a;
            }
        }
        throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "unknown signature algorithm id: " + id);
    }

    /** Looks a suite up by its binary code. */
    public static SignatureAlgorithm fromCode(int code) throws CryptoException {
        for (SignatureAlgorithm a : values()) {
            if (a.code == code) {
                return a;
            }
        }
        throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "unknown signature algorithm code: " + code);
    }

    /** The suite of a public key, from the OID in its SubjectPublicKeyInfo. */
    public static SignatureAlgorithm of(PublicKey key) throws CryptoException {
        ASN1ObjectIdentifier keyOid;
        try {
            keyOid = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getAlgorithm();
        } catch (RuntimeException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "cannot read the public key's algorithm", e);
        }
        for (SignatureAlgorithm a : values()) {
            if (a.oid.equals(keyOid)) {
                return a;
            }
        }
        throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "not a signature key stoq supports: OID " + keyOid);
    }
}
