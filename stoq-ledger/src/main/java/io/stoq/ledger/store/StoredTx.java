package io.stoq.ledger.store;

import io.stoq.ledger.tx.Transaction;

/** A committed tx with where it sits: block height and index in that block. */
public record StoredTx(long height, int index, Transaction tx) {}
