package io.stoq.ledger.tx;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.VerifyingKey;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed signer keys, by account id. Every tx carries its signer's SPKI, and parsing it (a
 * provider lookup and, for ML-DSA, decoding a 1952-byte key) cost as much as a tenth of the
 * signature check it precedes; a ledger sees the same few signers over and over.
 *
 * <p>Bounded: at {@link #MAX} entries the cache starts over (a hostile stream of fresh signers
 * costs what it cost before, never memory). An entry is used only when its SPKI bytes equal the
 * tx's, so a hit returns exactly what parsing would. Thread-safe.
 */
final class SignerKeys {
    static final int MAX = 4096;
    private static final ConcurrentHashMap<Hash256, Entry> CACHE = new ConcurrentHashMap<>();

    private record Entry(byte[] spki, VerifyingKey key) {}

    private SignerKeys() {}

    /** The key {@code spki} encodes; {@code id} is its SHA3-256 (the tx's signer). */
    static VerifyingKey of(Hash256 id, byte[] spki) throws CryptoException {
        Entry e = CACHE.get(id);
        if (e != null && Arrays.equals(e.spki(), spki)) {
            return e.key();
        }
        VerifyingKey key = VerifyingKey.fromSpki(spki);
        if (CACHE.size() >= MAX) {
            CACHE.clear();
        }
        CACHE.put(id, new Entry(spki, key));
        return key;
    }
}
