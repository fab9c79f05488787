package io.stoq.ledger.tx;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.nio.charset.StandardCharsets;

/**
 * The identity of one stoq network, mixed into every tx and block header signature so that a
 * signature made for one network never verifies on another, even when both share keys.
 *
 * <pre>
 * network id = SHA3-256("stoq.network.v1\0" | string network name | bytes root certificate DER)
 * </pre>
 *
 * (canonical encoding: each of the two fields prefixed by its u32 big-endian length). Both inputs
 * are in the GENESIS tx, so the id is known before block 0 exists (genesis itself is signed under
 * it), and an offline verifier derives it from the root certificate it trusts and the network name
 * the proof bundle carries. Why not the genesis block hash: it does not exist when the genesis tx
 * is signed, and an outsider holding only the root certificate could not authenticate it. Two
 * ledgers with the same root and the same name share an id, so never reuse both for two networks.
 */
public record NetworkId(Hash256 value) {
    private static final byte[] DOMAIN = "stoq.network.v1\0".getBytes(StandardCharsets.US_ASCII);

    public static NetworkId of(String network, byte[] rootCertDer) {
        return new NetworkId(Sha3.hash(new CanonicalWriter().raw(DOMAIN).string(network).bytes(rootCertDer).toBytes()));
    }

    /** The id of the network a GENESIS tx founds. */
    public static NetworkId of(TxBody.Genesis genesis) {
        return of(genesis.network(), genesis.rootCertDer());
    }

    /** The 32 bytes that signing payloads carry. */
    public byte[] toBytes() {
        return value.toBytes();
    }

    @Override
    public String toString() {
        return value.toHex();
    }
}
