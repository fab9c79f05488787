package io.stoq.ledger.proof;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.validate.NodeCertificates;
import io.stoq.ledger.validate.TxRejectedException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;

/**
 * Checks a {@link ProofBundle} offline against the network root certificate. What a valid bundle
 * proves: the tx is signed by the key it names; it is leaf {@code index} of the tx merkle tree
 * whose root the header commits to; the header is signed by a node whose certificate chain the
 * root vouches for at the block's time. It does not prove the block is on the canonical chain
 * beyond that proposer's signature, nor that the proposer was unrevoked (the CRL is not in the
 * bundle); see docs/ledger.md.
 *
 * <p>Stateless and thread-safe.
 */
public final class ProofVerifier {
    private ProofVerifier() {}

    /** What a verified bundle says. */
    public record Verified(Transaction tx, BlockHeader header, String proposerNode, String signerNode) {}

    public static Verified verify(ProofBundle bundle, X509Certificate root) throws LedgerException {
        Transaction tx = Transaction.decode(bundle.tx());
        BlockHeader header = BlockHeader.decode(bundle.header());
        NetworkId network;
        try {
            network = NetworkId.of(bundle.network(), root.getEncoded());
        } catch (CertificateEncodingException e) {
            throw invalid("the root certificate cannot be encoded");
        }
        if (!tx.signatureValid(network)) {
            throw invalid("the tx signature does not verify for network '" + bundle.network() + "' under this root");
        }
        if (bundle.inclusion().treeSize() != header.txCount()) {
            throw invalid("inclusion proof is for a tree of " + bundle.inclusion().treeSize() + " txs, the block has " + header.txCount());
        }
        if (!bundle.inclusion().leadsTo(MerkleHash.leaf(bundle.tx()), header.txRoot())) {
            throw invalid("the inclusion proof does not lead to the block's tx merkle root");
        }
        if (!header.signatureValid(network)) {
            throw invalid("the block header's proposer signature does not verify for network '" + bundle.network() + "' under this root");
        }
        if (bundle.proposerChain().isEmpty()) {
            throw invalid("block " + header.height() + " was proposed by an account without a node certificate; "
                    + "only node-proposed blocks can be checked against the root");
        }
        NodeIdentity proposer = checkChain(bundle.proposerChain(), root, header, header.proposer(), "proposer");
        String signerNode = null;
        if (!bundle.signerChain().isEmpty()) {
            signerNode = checkChain(bundle.signerChain(), root, header, tx.signer(), "signer").nodeId();
        }
        return new Verified(tx, header, proposer.nodeId(), signerNode);
    }

    private static NodeIdentity checkChain(List<byte[]> chainDer, X509Certificate root, BlockHeader header, Hash256 keyId, String who)
            throws LedgerException {
        List<X509Certificate> chain;
        try {
            chain = NodeCertificates.parseChain(chainDer);
        } catch (TxRejectedException e) {
            throw invalid(who + " certificate chain does not parse");
        }
        NodeIdentity identity;
        try {
            identity = NodeCertificateValidator.validate(chain, root, header.time(), Set.of());
        } catch (CryptoException e) {
            throw invalid(who + " certificate chain rejected at block time " + header.time() + ": " + e.getMessage());
        }
        if (!identity.falconKey().fingerprint().equals(keyId)) {
            throw invalid(who + " certificate is for another key than the one that signed");
        }
        return identity;
    }

    private static LedgerException invalid(String why) {
        return new LedgerException(LedgerErrorCode.PROOF_INVALID, "proof invalid: " + why);
    }
}
