package io.stoq.consensus;

import io.stoq.crypto.FailureCode;

/**
 * Why a consensus operation failed. Each code maps to a CLI exit code (100-109) so callers branch
 * on the class of failure, never on message text.
 */
public enum ConsensusErrorCode implements FailureCode {
    /** A log entry, request or reply could not be decoded (unknown version, truncated, oversized). */
    MALFORMED(100),
    /** No leader answered in time, or the outcome of a submitted tx is still unknown when the wait ended. */
    TIMEOUT(101),
    /** The Raft server or client failed underneath (I/O, the group is not reachable). */
    UNAVAILABLE(102),
    /** The ledger under the state machine failed (store error, corrupt block on disk). */
    LEDGER_FAILURE(103),
    /** A snapshot could not be taken, read or installed. */
    SNAPSHOT_FAILURE(104),
    /** The consensus settings are not usable (no voters, this node not among the peers, bad TLS identity). */
    BAD_CONFIG(105),
    /** The service is closed or not started. */
    CLOSED(106);

    private final int exitCode;

    ConsensusErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    @Override
    public int exitCode() {
        return exitCode;
    }
}
