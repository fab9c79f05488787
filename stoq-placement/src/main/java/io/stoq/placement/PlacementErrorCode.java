package io.stoq.placement;

import io.stoq.crypto.FailureCode;

/**
 * Why a placement or erasure-coding operation failed. Exit codes 110-119 (the range after
 * consensus) let scripts tell a damaged piece set from bad input without parsing messages.
 *
 * <p>Too few live nodes for a policy is not here: placement answers it with a typed partial
 * result ({@code Placement.Partial}), because a caller has to act on it (place what it can, count
 * the shard as below policy), not fail.
 */
public enum PlacementErrorCode implements FailureCode {
    /** A caller-supplied parameter is out of range (k, m, piece index, lengths). */
    INVALID_ARGUMENT(110),
    /** Fewer than k usable pieces were given to decode: the shard cannot be rebuilt from them. */
    TOO_FEW_PIECES(111),
    /** A piece's length is not the layout's piece size: truncated, padded or from another shard. */
    PIECE_SIZE_MISMATCH(112),
    /** A piece's SHA3-256 does not match the hash it must have: the piece was altered. */
    PIECE_HASH_MISMATCH(113),
    /** The Reed-Solomon coder itself failed (a bug or an inconsistent layout). */
    CODER_FAILURE(114);

    private final int exitCode;

    PlacementErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    @Override
    public int exitCode() {
        return exitCode;
    }
}
