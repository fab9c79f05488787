package io.stoq.node.ledger;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.CodedException;
import io.stoq.ledger.tx.TxBody;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One submission to the {@link LedgerService} writer: sign {@code body} with {@code signer};
 * {@code mustExist} accounts get registered first. Its state (queued, taken by the writer,
 * withdrawn by its caller) changes by compare-and-set, so a caller that gives up and the writer
 * that takes it for a block never both win; see the diagram in {@link LedgerService}.
 *
 * <p>Thread-safe: the caller's and the writer's threads both touch it; {@code retries} is the
 * writer's alone.
 */
final class LedgerRequest {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerRequest.class);
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int WITHDRAWN = 2;

    final SigningKey signer;
    final List<SigningKey> mustExist;
    final TxBody body;
    final CompletableFuture<Committed> done = new CompletableFuture<>();
    /** {@link System#nanoTime} when it was queued: its block is cut at the latest block-interval later. */
    final long queuedAt = System.nanoTime();
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final AtomicReference<Runnable> ifNeverCommitted;
    int retries;

    LedgerRequest(SigningKey signer, List<SigningKey> mustExist, TxBody body, Runnable ifNeverCommitted) {
        this.signer = signer;
        this.mustExist = mustExist;
        this.body = body;
        this.ifNeverCommitted = new AtomicReference<>(ifNeverCommitted);
    }

    /** The writer takes it for a block; false when the caller withdrew it first. */
    boolean take() {
        return state.compareAndSet(QUEUED, TAKEN);
    }

    /** The caller withdraws it; false when the writer took it first. */
    boolean withdraw() {
        return state.compareAndSet(QUEUED, WITHDRAWN);
    }

    /** It is settled that this tx will never be committed: runs the caller's hook, once. */
    void neverCommitted() {
        Runnable hook = ifNeverCommitted.getAndSet(null);
        if (hook != null) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                LOG.warn("cleanup after an uncommitted ledger write failed: {}", e.toString());
            }
        }
    }

    /** Fails the caller's future with {@code failure}, known never to be committed. */
    void refuse(CodedException failure) {
        neverCommitted();
        done.completeExceptionally(failure);
    }
}
