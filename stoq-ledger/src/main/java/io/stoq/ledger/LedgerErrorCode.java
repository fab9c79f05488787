package io.stoq.ledger;

import io.stoq.crypto.FailureCode;

/**
 * Why a ledger operation failed. Each code maps to a CLI exit code (30-39) so scripts branch on the
 * class of failure, never on message text.
 */
public enum LedgerErrorCode implements FailureCode {
    /** Bytes could not be decoded: a tx, header, block or proof bundle is malformed or too large. */
    MALFORMED(30),
    /** A transaction was refused by validation; the exception carries a {@code RejectReason}. */
    REJECTED(31),
    /** RocksDB or the file system failed underneath the store. */
    STORE_FAILURE(32),
    /** Stored data does not match what the chain commits to: tampering or corruption. */
    CORRUPT(33),
    /** A proof bundle did not verify against the given root certificate. */
    PROOF_INVALID(34),
    /** A referenced block, tx or data directory does not exist. */
    NOT_FOUND(35),
    /** The request conflicts with the store's state (wrong height, already initialised). */
    CONFLICT(36),
    /**
     * A block made elsewhere breaks a chain rule (link, signature, proposer, a tx, the state root)
     * and was refused; nothing changed. Not damage here: every replica judging the same block on
     * the same state refuses it alike, so a Raft replica refuses it and goes on.
     */
    INVALID_BLOCK(37);

    private final int exitCode;

    LedgerErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    /** Process exit code the CLI uses for this failure. */
    public int exitCode() {
        return exitCode;
    }
}
