package io.stoq.ledger.tx;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import java.security.PrivateKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key pairs of this process whose signatures were shown to verify: for each signer (the hash
 * of its public key), the private key object that made a tx signature which verified under it.
 *
 * <p>Why: a node signs the custodial tx of every upload and then, when it applies its own block,
 * verified that same signature again (an ML-DSA verification per upload, 7% of the CPU of
 * {@code stoq bench uploads}). A signature made by a private key that belongs to its public key
 * verifies; what one check per key pair rules out is a private key that does not belong to its
 * public half (a damaged or swapped key file), whose txs must keep being refused. The entry holds
 * the private key object itself and is matched by identity, so a key loaded again (a new object)
 * is checked again once.
 *
 * <p>Bounded: past {@value #MAX_KEYS} signers the map starts over (each key is then checked once
 * more), so no number of accounts makes it grow without end. Thread-safe.
 */
final class ProvenKeys {
    private static final int MAX_KEYS = 4096;
    private static final Map<Hash256, PrivateKey> PROVEN = new ConcurrentHashMap<>();

    private ProvenKeys() {}

    /** Whether {@code key}'s private half made a signature that verified under {@code signer}'s public key. */
    static boolean proven(Hash256 signer, SigningKey key) {
        return PROVEN.get(signer) == key.privateKey();
    }

    /** Records that {@code key} made a signature that verified under {@code signer}; returns true. */
    static boolean prove(Hash256 signer, SigningKey key) {
        if (PROVEN.size() >= MAX_KEYS) {
            PROVEN.clear();
        }
        PROVEN.put(signer, key.privateKey());
        return true;
    }
}
