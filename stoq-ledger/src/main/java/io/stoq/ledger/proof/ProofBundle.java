package io.stoq.ledger.proof;

import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Limits;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A self-contained proof that a transaction is in the ledger, checkable offline by anyone holding
 * the network's root certificate: the tx, its RFC 9162 inclusion path to the block's tx merkle
 * root, the signed block header, the proposer's certificate chain and, when the tx was signed by a
 * node, the signer's chain.
 *
 * <pre>
 * "STQPROOF" | u8 version (2) | string network name | bytes tx | u32 leaf index | u32 tree size | hashes path
 * | bytes header | list(bytes) proposer chain DER | list(bytes) signer chain DER
 * </pre>
 */
public record ProofBundle(String network, byte[] tx, InclusionProof inclusion, byte[] header, List<byte[]> proposerChain, List<byte[]> signerChain) {
    private static final byte[] MAGIC = "STQPROOF".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 2;

    public byte[] encode() {
        return new CanonicalWriter().raw(MAGIC).u8(VERSION).string(network).bytes(tx).u32(inclusion.leafIndex()).u32(inclusion.treeSize())
                .hashes(inclusion.path()).bytes(header).byteList(proposerChain).byteList(signerChain).toBytes();
    }

    public static ProofBundle decode(byte[] bytes) throws LedgerException {
        CanonicalReader in = new CanonicalReader(bytes, "proof bundle");
        if (!Arrays.equals(in.raw("magic", MAGIC.length), MAGIC)) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, "not a stoq proof bundle (bad magic)");
        }
        int version = in.u8("version");
        if (version != VERSION) {
            throw in.malformed("unsupported proof bundle version " + version);
        }
        String network = in.string("network", Limits.MAX_NAME_BYTES);
        byte[] tx = in.bytes("tx", Limits.MAX_TX_BYTES);
        int index = in.u32("index");
        int size = in.u32("treeSize");
        var path = in.hashes("path", 64);
        byte[] header = in.bytes("header", 64 * 1024);
        List<byte[]> proposer = in.byteList("proposerChain", Limits.MAX_CHAIN, Limits.MAX_CERT_BYTES);
        List<byte[]> signer = in.byteList("signerChain", Limits.MAX_CHAIN, Limits.MAX_CERT_BYTES);
        in.finish();
        return new ProofBundle(network, tx, new InclusionProof(index, size, path), header, proposer, signer);
    }
}
