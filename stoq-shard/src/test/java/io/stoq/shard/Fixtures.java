package io.stoq.shard;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import java.security.KeyPair;

/** Real keys shared by the tests of one JVM (SLH-DSA key generation is not free). */
public final class Fixtures {
    private static SigningKey signer;
    private static KeyPair kem;
    private static KeyPair otherKem;

    private Fixtures() {}

    public static synchronized SigningKey signer() throws CryptoException {
        if (signer == null) {
            signer = SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        }
        return signer;
    }

    public static synchronized KeyPair kem() throws CryptoException {
        if (kem == null) {
            kem = KemAlgorithm.ML_KEM_768.generateKeyPair();
        }
        return kem;
    }

    public static synchronized KeyPair otherKem() throws CryptoException {
        if (otherKem == null) {
            otherKem = KemAlgorithm.ML_KEM_768.generateKeyPair();
        }
        return otherKem;
    }
}
