package io.stoq.ledger.state;

import io.stoq.ledger.LedgerException;

/** Read access to the ledger state's key/value pairs; the store and overlays implement it. */
@FunctionalInterface
public interface StateView {
    /** The value under {@code key}, or null when absent. */
    byte[] get(byte[] key) throws LedgerException;

    /** A view with nothing in it (the state before genesis). */
    static StateView empty() {
        return key -> null;
    }
}
