package io.stoq.crypto.kem;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.StoqProviders;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import javax.crypto.KeyGenerator;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jcajce.SecretKeyWithEncapsulation;
import org.bouncycastle.jcajce.spec.KEMExtractSpec;
import org.bouncycastle.jcajce.spec.KEMGenerateSpec;
import org.bouncycastle.jcajce.spec.MLKEMParameterSpec;

/**
 * ML-KEM (FIPS 203, "Kyber") key encapsulation, with stable versioned ids like
 * {@link io.stoq.crypto.sign.SignatureAlgorithm}.
 *
 * <p>Goes through BouncyCastle's {@code KeyGenerator} with {@code KEMGenerateSpec} /
 * {@code KEMExtractSpec} rather than {@code javax.crypto.KEM}, which does not exist in Java 17.
 */
public enum KemAlgorithm {
    ML_KEM_768(1, "ml-kem-768.v1", "ML-KEM-768", NISTObjectIdentifiers.id_alg_ml_kem_768, MLKEMParameterSpec.ml_kem_768),
    ML_KEM_1024(2, "ml-kem-1024.v1", "ML-KEM-1024", NISTObjectIdentifiers.id_alg_ml_kem_1024, MLKEMParameterSpec.ml_kem_1024);

    /** Length of the shared secret in bytes. */
    public static final int SECRET_LENGTH = 32;

    private final int code;
    private final String id;
    private final String jcaName;
    private final ASN1ObjectIdentifier oid;
    private final MLKEMParameterSpec spec;

    KemAlgorithm(int code, String id, String jcaName, ASN1ObjectIdentifier oid, MLKEMParameterSpec spec) {
        this.code = code;
        this.id = id;
        this.jcaName = jcaName;
        this.oid = oid;
        this.spec = spec;
    }

    public int code() {
        return code;
    }

    public String id() {
        return id;
    }

    public String jcaName() {
        return jcaName;
    }

    public KeyPair generateKeyPair() throws CryptoException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("ML-KEM", StoqProviders.bc());
            generator.initialize(spec, SecureRandoms.get());
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot generate " + id + " key pair: " + e.getMessage(), e);
        }
    }

    /** Makes a fresh shared secret and its encapsulation for the holder of {@code recipient}. */
    public Encapsulation encapsulate(PublicKey recipient) throws CryptoException {
        requireOwnKey(recipient.getEncoded());
        try {
            KeyGenerator generator = KeyGenerator.getInstance("ML-KEM", StoqProviders.bc());
            generator.init(new KEMGenerateSpec(recipient, "AES", SECRET_LENGTH * 8), SecureRandoms.get());
            SecretKeyWithEncapsulation secret = (SecretKeyWithEncapsulation) generator.generateKey();
            return new Encapsulation(secret.getEncoded(), secret.getEncapsulation());
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, id + " encapsulation failed: " + e.getMessage(), e);
        }
    }

    /**
     * Recovers the shared secret from {@code ciphertext}. ML-KEM decapsulation never "fails" on a
     * tampered ciphertext (implicit rejection): it yields an unrelated secret, so whatever the
     * secret protects must carry its own integrity check (the key wrap does).
     */
    public byte[] decapsulate(PrivateKey key, byte[] ciphertext) throws CryptoException {
        try {
            KeyGenerator generator = KeyGenerator.getInstance("ML-KEM", StoqProviders.bc());
            generator.init(new KEMExtractSpec(key, ciphertext, "AES", SECRET_LENGTH * 8));
            return generator.generateKey().getEncoded();
        } catch (GeneralSecurityException | IllegalArgumentException | IllegalStateException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, id + " decapsulation refused the input: " + e.getMessage(), e);
        }
    }

    private void requireOwnKey(byte[] spki) throws CryptoException {
        ASN1ObjectIdentifier keyOid = SubjectPublicKeyInfo.getInstance(spki).getAlgorithm().getAlgorithm();
        if (!oid.equals(keyOid)) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "key is not an " + id + " public key (OID " + keyOid + ")");
        }
    }

    public static KemAlgorithm fromId(String id) throws CryptoException {
        for (KemAlgorithm a : values()) {
            if (a.id.equals(id)) {
                return a;
            }
        }
        throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "unknown KEM algorithm id: " + id);
    }

    public static KemAlgorithm fromCode(int code) throws CryptoException {
        for (KemAlgorithm a : values()) {
            if (a.code == code) {
                return a;
            }
        }
        throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "unknown KEM algorithm code: " + code);
    }

    /** The suite of an ML-KEM public key, from its SPKI OID. */
    public static KemAlgorithm of(PublicKey key) throws CryptoException {
        ASN1ObjectIdentifier keyOid = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getAlgorithm();
        for (KemAlgorithm a : values()) {
            if (a.oid.equals(keyOid)) {
                return a;
            }
        }
        throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "not an ML-KEM key: OID " + keyOid);
    }

    /** A shared secret and the ciphertext that lets the private-key holder recover it. */
    public record Encapsulation(byte[] secret, byte[] ciphertext) {}
}
