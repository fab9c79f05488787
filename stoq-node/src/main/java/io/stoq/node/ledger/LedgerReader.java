package io.stoq.node.ledger;

import io.stoq.ledger.Ledger;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.store.LedgerStore;

/**
 * Read access to the ledger a node has applied: what the asset index, the ledger views and the
 * proofs read. Only a {@link LedgerWriter} changes the ledger; readers never hold its
 * {@link Ledger} (whose commit and append are the writer's alone).
 */
public interface LedgerReader {
    /** Height of the last applied block, -1 before genesis. */
    long height();

    /** Typed reads of the applied state. */
    LedgerState state();

    /** Blocks, txs and indexes (for proofs and history scans). */
    LedgerStore store();

    /** The read view of {@code ledger}. */
    static LedgerReader of(Ledger ledger) {
        return new LedgerReader() {
            @Override
            public long height() {
                return ledger.height();
            }

            @Override
            public LedgerState state() {
                return ledger.state();
            }

            @Override
            public LedgerStore store() {
                return ledger.store();
            }
        };
    }
}
