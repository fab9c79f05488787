package io.stoq.ledger.store;

import io.stoq.crypto.hash.Hash256;

/** The last committed block: its height and hash, and the state's set-hash accumulator after it. */
public record Head(long height, Hash256 blockHash, byte[] stateHash) {}
