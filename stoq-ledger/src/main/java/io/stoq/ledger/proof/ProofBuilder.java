package io.stoq.ledger.proof;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.StateOverlay;
import io.stoq.ledger.state.StateRecords.Node;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.TxBody;
import java.util.List;

/**
 * Builds a {@link ProofBundle} for a committed tx from a store: the network name from genesis, the
 * tx's inclusion path in its block, the header, the certificate chains of the block's proposer and
 * (for node-signed txs) of the signer, taken from the NODE_REGISTER txs that admitted them, and
 * the CRLs the caller gives as revocation evidence.
 */
public final class ProofBuilder {
    private ProofBuilder() {}

    /** A bundle with no revocation evidence: its verifier must bring the CA's current CRL. */
    public static ProofBundle build(LedgerStore store, Hash256 txId) throws LedgerException {
        return build(store, txId, List.of());
    }

    /**
     * A bundle carrying {@code crlsDer} (DER X.509 CRLs, normally the network CA's current one) as
     * revocation evidence for the proposer's and signer's certificates.
     */
    public static ProofBundle build(LedgerStore store, Hash256 txId, List<byte[]> crlsDer) throws LedgerException {
        StoredTx stored = store.tx(txId);
        if (stored == null) {
            throw new LedgerException(LedgerErrorCode.NOT_FOUND, "tx " + txId + " is not in this ledger");
        }
        Block block = store.block(stored.height());
        BlockHeader header = block.header();
        LedgerState state = new LedgerState(new StateOverlay(store));
        List<byte[]> proposerChain = chainOf(store, state, header.proposer());
        List<byte[]> signerChain = chainOf(store, state, stored.tx().signer());
        return new ProofBundle(state.genesis().network(), stored.tx().encoded(), block.tree().proof(stored.index()), header.encode(),
                proposerChain, signerChain, crlsDer);
    }

    /** The registered certificate chain of the node whose key fingerprint is {@code keyId}; empty for accounts. */
    private static List<byte[]> chainOf(LedgerStore store, LedgerState state, Hash256 keyId) throws LedgerException {
        Node node = state.nodeBySigner(keyId);
        if (node == null) {
            return List.of();
        }
        StoredTx register = store.tx(node.registerTx());
        if (register == null || !(register.tx().body() instanceof TxBody.NodeRegister reg)) {
            throw new LedgerException(LedgerErrorCode.CORRUPT, "node " + node.nodeId() + "'s register tx is missing");
        }
        return reg.chainDer();
    }
}
