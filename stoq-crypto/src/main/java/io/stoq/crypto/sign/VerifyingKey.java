package io.stoq.crypto.sign;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;

/** A public signature key with its suite. */
public record VerifyingKey(SignatureAlgorithm algorithm, PublicKey publicKey) {

    /** Parses a DER SubjectPublicKeyInfo and infers the suite from its OID. */
    public static VerifyingKey fromSpki(byte[] spki) throws CryptoException {
        try {
            PublicKey key = KeyFactory.getInstance(
                            org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(spki).getAlgorithm().getAlgorithm().getId(),
                            StoqProviders.bc())
                    .generatePublic(new X509EncodedKeySpec(spki));
            return new VerifyingKey(SignatureAlgorithm.of(key), key);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "not a valid public key encoding", e);
        }
    }

    public boolean verify(byte[] data, byte[] signature) {
        return algorithm.verify(publicKey, data, signature);
    }

    /** DER SubjectPublicKeyInfo. */
    public byte[] spki() {
        return publicKey.getEncoded();
    }

    /** SHA3-256 of the SPKI: the key's stable fingerprint. */
    public Hash256 fingerprint() {
        return Sha3.hash(spki());
    }
}
