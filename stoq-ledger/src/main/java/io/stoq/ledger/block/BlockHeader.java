package io.stoq.ledger.block;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.NetworkId;
import java.time.Instant;

/**
 * A block header, signed by the block's proposer.
 *
 * <pre>
 * u8 version (2 or 3, the chain's {@link ChainFormat}) | u64 height | 32 previous block hash | 32 tx merkle root | 32 state root
 * | u64 time (epoch millis) | u32 tx count | u8 proposer algorithm | bytes proposer SPKI | bytes signature
 * </pre>
 *
 * The signature covers {@code "stoq.ledger.block.v2\0"} (v3 in a version 3 header), the 32-byte {@link NetworkId} and every
 * field before the signature, so a header signed for one network never verifies on another. The
 * network id is not in the encoding: the checker knows its network. The block hash
 * is the SHA3-256 of the whole encoding (signature included), and the next header's previous hash
 * is that value, so changing any byte of any header breaks the chain after it.
 */
public record BlockHeader(ChainFormat format, long height, Hash256 previousHash, Hash256 txRoot, Hash256 stateRoot, Instant time, int txCount,
        SignatureAlgorithm proposerAlgorithm, byte[] proposerSpki, byte[] signature) {

    /** The previous hash of block 0. */
    public static final Hash256 NO_PREVIOUS = Hash256.of(new byte[Hash256.LENGTH]);

    /** Builds and signs a header of {@code format} for {@code network}. */
    public static BlockHeader sign(NetworkId network, ChainFormat format, long height, Hash256 previousHash, Hash256 txRoot,
            Hash256 stateRoot, Instant time, int txCount, SigningKey proposer) throws CryptoException {
        byte[] spki = proposer.publicKey().getEncoded();
        BlockHeader unsigned = new BlockHeader(format, height, previousHash, txRoot, stateRoot, Instant.ofEpochMilli(time.toEpochMilli()),
                txCount, proposer.algorithm(), spki, new byte[0]);
        byte[] signature = proposer.sign(unsigned.signingPayload(network));
        return new BlockHeader(format, height, previousHash, txRoot, stateRoot, unsigned.time, txCount, proposer.algorithm(), spki, signature);
    }

    private CanonicalWriter unsignedPart() {
        return new CanonicalWriter().u8(format.headerVersion()).u64(height).hash(previousHash).hash(txRoot).hash(stateRoot)
                .u64(time.toEpochMilli()).u32(txCount).u8(proposerAlgorithm.code()).bytes(proposerSpki);
    }

    /** The bytes the proposer signs on {@code network}: domain tag, network id, every field before the signature. */
    public byte[] signingPayload(NetworkId network) {
        return new CanonicalWriter().raw(format.signingTag()).raw(network.toBytes()).raw(unsignedPart().toBytes()).toBytes();
    }

    public byte[] encode() {
        return unsignedPart().bytes(signature).toBytes();
    }

    public Hash256 hash() {
        return Sha3.hash(encode());
    }

    /** The proposer's account/node id: SHA3-256 of its SPKI. */
    public Hash256 proposer() {
        return Sha3.hash(proposerSpki);
    }

    /**
     * True when the signature verifies, for {@code network}, under the carried proposer key of the
     * named algorithm; false for a null network.
     */
    public boolean signatureValid(NetworkId network) {
        if (network == null) {
            return false;
        }
        try {
            VerifyingKey key = VerifyingKey.fromSpki(proposerSpki);
            return key.algorithm() == proposerAlgorithm && key.verify(signingPayload(network), signature);
        } catch (CryptoException e) {
            return false;
        }
    }

    public static BlockHeader decode(byte[] encoded) throws LedgerException {
        CanonicalReader in = new CanonicalReader(encoded, "block header");
        int version = in.u8("version");
        ChainFormat format = ChainFormat.ofHeaderVersion(version);
        if (format == null) {
            throw in.malformed("unsupported header version " + version + (version == 1
                    ? " (written before signatures named the network; this stoq reads versions 2 and 3)" : " (this stoq reads versions 2 and 3)"));
        }
        long height = in.u64("height");
        Hash256 prev = in.hash("previousHash");
        Hash256 txRoot = in.hash("txRoot");
        Hash256 stateRoot = in.hash("stateRoot");
        long millis = in.u64("time");
        int txCount = in.u32("txCount");
        SignatureAlgorithm alg = in.signatureAlgorithm("proposer algorithm");
        byte[] spki = in.bytes("proposer", Limits.MAX_KEY_BYTES);
        byte[] signature = in.bytes("signature", Limits.MAX_SIGNATURE_BYTES);
        in.finish();
        if (height < 0 || txCount < 0 || txCount > Limits.MAX_BLOCK_TXS) {
            throw in.malformed("height " + height + " or tx count " + txCount + " out of range");
        }
        return new BlockHeader(format, height, prev, txRoot, stateRoot, Instant.ofEpochMilli(millis), txCount, alg, spki, signature);
    }
}
