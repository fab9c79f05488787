package io.stoq.node;

import io.stoq.crypto.FailureCode;

/** Why a node operation failed; each maps to a CLI exit code (40-49). */
public enum NodeErrorCode implements FailureCode {
    /** The configuration is invalid: unknown key, bad value, out of range. */
    BAD_CONFIG(40),
    /** Stored bytes do not match their hash: corruption on disk. */
    CORRUPT_DATA(41),
    /** Bytes offered for storage do not match the hash they were offered under. */
    HASH_MISMATCH(42),
    /** The disk does not have room for the write plus the configured reserve. */
    INSUFFICIENT_SPACE(43),
    /** Something asked for does not exist. */
    NOT_FOUND(44),
    /** Reading or writing the data directory failed. */
    IO_ERROR(45),
    /** The service is not in a state that allows the operation (not started, shutting down). */
    ILLEGAL_STATE(46),
    /** The node cannot take the request now: shutting down, a write not confirmed in time, a commit that failed. Retry later. */
    UNAVAILABLE(47),
    /** The caller may not do this to the thing named (an asset of another account, content for an auditor). */
    NOT_PERMITTED(48),
    /**
     * This node cannot unwrap an asset version's key: no share of the key epoch it is wrapped to,
     * or a wrap (the manifest's or a rotation's re-wrap) that does not open.
     */
    KEY_UNAVAILABLE(49);

    private final int exitCode;

    NodeErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
