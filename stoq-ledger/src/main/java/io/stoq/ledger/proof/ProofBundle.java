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
 * the network's root certificate (see {@link ProofVerifier} for what it proves): the network name
 * (with the root, it gives the {@link io.stoq.ledger.tx.NetworkId} signatures are made for), the
 * tx, its RFC 9162 inclusion path to the block's tx merkle root, the signed block header, the
 * proposer's certificate chain, the signer's chain when a node signed the tx, and the revocation
 * evidence: the CRL(s) the node had when it made the bundle, signed by the intermediate CA.
 *
 * <pre>
 * "STQPROOF" | u8 version (2) | string network | bytes tx | u32 leaf index | u32 tree size | hashes path
 * | bytes header | list(bytes) proposer chain DER | list(bytes) signer chain DER | list(bytes) CRL DER
 * </pre>
 *
 * Byte-level layout in docs/ledger.md. Version 1 (no network, no CRL) is refused.
 */
public record ProofBundle(String network, byte[] tx, InclusionProof inclusion, byte[] header, List<byte[]> proposerChain,
        List<byte[]> signerChain, List<byte[]> crls) {
    private static final byte[] MAGIC = "STQPROOF".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 2;
    /** A bundle carries at most this many CRLs (one per issuing CA a chain in it can have). */
    public static final int MAX_CRLS = 2;
    /** Largest CRL accepted: about 20,000 revoked serials. */
    public static final int MAX_CRL_BYTES = 1024 * 1024;
    /** Largest encoded header accepted. */
    public static final int MAX_HEADER_BYTES = 64 * 1024;
    /** Longest inclusion path accepted (a tree of 2^64 leaves). */
    public static final int MAX_PATH = 64;

    public ProofBundle {
        proposerChain = List.copyOf(proposerChain);
        signerChain = List.copyOf(signerChain);
        crls = List.copyOf(crls);
    }

    /** True when {@code bytes} starts like a binary bundle (as opposed to, say, the JSON the API serves). */
    public static boolean looksLikeBundle(byte[] bytes) {
        return bytes.length >= MAGIC.length && Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC);
    }

    public byte[] encode() {
        return new CanonicalWriter().raw(MAGIC).u8(VERSION).string(network).bytes(tx).u32(inclusion.leafIndex())
                .u32(inclusion.treeSize()).hashes(inclusion.path()).bytes(header).byteList(proposerChain).byteList(signerChain)
                .byteList(crls).toBytes();
    }

    public static ProofBundle decode(byte[] bytes) throws LedgerException {
        if (!looksLikeBundle(bytes)) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, "not a stoq proof bundle (it does not start with STQPROOF)");
        }
        CanonicalReader in = new CanonicalReader(bytes, "proof bundle");
        in.raw("magic", MAGIC.length);
        int version = in.u8("version");
        if (version != VERSION) {
            throw in.malformed("unsupported proof bundle version " + version + " (this stoq reads version " + VERSION + ")");
        }
        String network = in.string("network", Limits.MAX_NAME_BYTES);
        byte[] tx = in.bytes("tx", Limits.MAX_TX_BYTES);
        int index = in.u32("index");
        int size = in.u32("treeSize");
        var path = in.hashes("path", MAX_PATH);
        byte[] header = in.bytes("header", MAX_HEADER_BYTES);
        List<byte[]> proposer = in.byteList("proposerChain", Limits.MAX_CHAIN, Limits.MAX_CERT_BYTES);
        List<byte[]> signer = in.byteList("signerChain", Limits.MAX_CHAIN, Limits.MAX_CERT_BYTES);
        List<byte[]> crls = in.byteList("crls", MAX_CRLS, MAX_CRL_BYTES);
        in.finish();
        if (index < 0 || size < 0) {
            throw in.malformed("leaf index " + Integer.toUnsignedString(index) + " or tree size " + Integer.toUnsignedString(size)
                    + " out of range");
        }
        return new ProofBundle(network, tx, new InclusionProof(index, size, path), header, proposer, signer, crls);
    }
}
