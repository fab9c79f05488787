package io.stoq.node.ledger;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How the node's services change the ledger and read what is committed, whoever orders the
 * blocks: {@link LedgerService} proposes every block itself (a single-node network); a
 * Raft-backed writer hands the txs to the leader and completes once the entry is applied here.
 * Callers name the key that signs a tx and the accounts that must exist first; nonces, signing
 * and account registration are the writer's.
 *
 * <p>Failures are node and ledger codes, never HTTP: a tx refused by validation is a
 * {@link TxRejectedException} (its {@code RejectReason}); {@link NodeErrorCode#UNAVAILABLE} when
 * the writer stops, the commit is not confirmed within its timeout, or the block could not be
 * written (the outcome may still be open: see {@link #commit(SigningKey, List, TxBody, Runnable)});
 * {@link NodeErrorCode#IO_ERROR} when the tx could not be prepared. The port adapters map them
 * ({@link io.stoq.node.NodeProblems}).
 *
 * <p>Thread-safe: any thread submits; completions arrive on the writer's thread.
 */
public interface LedgerWriter extends AutoCloseable {
    /** Queues {@code body} signed by {@code signer}; the future completes after its block is durable here. */
    CompletableFuture<Committed> submit(SigningKey signer, List<SigningKey> mustExist, TxBody body);

    /** As {@link #submit}, waiting (at most the writer's commit timeout) for the commit. */
    default Committed commit(SigningKey signer, List<SigningKey> mustExist, TxBody body) throws NodeException, LedgerException {
        return commit(signer, mustExist, body, null);
    }

    /**
     * As {@link #commit(SigningKey, List, TxBody)}, and runs {@code ifNeverCommitted} (once) when it
     * is settled that the tx will never be committed (refused, withdrawn before the writer took
     * it, or the writer stopped first). It never runs while the outcome is open, so a caller that
     * discards data in it never discards what a committed tx refers to.
     */
    Committed commit(SigningKey signer, List<SigningKey> mustExist, TxBody body, Runnable ifNeverCommitted)
            throws NodeException, LedgerException;

    /** The committed ledger as this node has applied it (read from any thread). */
    LedgerReader reader();

    /** The custodial account keys the writer signs with. */
    CustodialKeys keys();

    /** The events of every block applied here, built here or made elsewhere. */
    LedgerEvents events();

    /** Stops taking work, settles what was queued and closes the ledger. */
    @Override
    void close();
}
