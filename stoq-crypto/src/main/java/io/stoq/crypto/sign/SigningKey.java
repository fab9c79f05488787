package io.stoq.crypto.sign;

import io.stoq.crypto.CryptoException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;

/** A private key together with its suite and public half: everything needed to sign and be checked. */
public record SigningKey(SignatureAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey) {

    /** Generates a new key of {@code algorithm}. */
    public static SigningKey generate(SignatureAlgorithm algorithm) throws CryptoException {
        KeyPair pair = algorithm.generateKeyPair();
        return new SigningKey(algorithm, pair.getPrivate(), pair.getPublic());
    }

    public byte[] sign(byte[] data) throws CryptoException {
        return algorithm.sign(privateKey, data);
    }

    public VerifyingKey verifyingKey() {
        return new VerifyingKey(algorithm, publicKey);
    }

    public KeyPair keyPair() {
        return new KeyPair(publicKey, privateKey);
    }
}
