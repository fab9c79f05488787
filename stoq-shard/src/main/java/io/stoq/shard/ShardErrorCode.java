package io.stoq.shard;

import io.stoq.crypto.FailureCode;

/**
 * Why a shard operation failed. Each code maps to a CLI exit code in 20-29 so scripts can branch
 * on the class of failure (bad input vs tampering vs wrong key) without parsing messages.
 */
public enum ShardErrorCode implements FailureCode {
    /** A caller-supplied parameter is out of range (chunk sizes, thread counts, ranges). */
    INVALID_ARGUMENT(20),
    /** The manifest cannot be parsed: truncated, unknown schema version, inconsistent field. */
    MALFORMED_MANIFEST(21),
    /** The manifest's SLH-DSA signature does not verify, or it was signed by an untrusted key. */
    MANIFEST_SIGNATURE_INVALID(22),
    /** A stored shard's SHA3-256 does not match the manifest: the shard was altered or swapped. */
    SHARD_HASH_MISMATCH(23),
    /** An inclusion proof is malformed or does not lead to the manifest's merkle root. */
    PROOF_INVALID(24),
    /** A shard the manifest lists could not be found in any source. */
    SHARD_MISSING(25),
    /** A shard is shorter than the manifest says, or too short to be a sealed shard at all. */
    SHARD_TRUNCATED(26),
    /** The asset key could not be unwrapped or a shard did not decrypt: wrong key. */
    WRONG_KEY(27),
    /** Reading or writing shards, proofs or the manifest failed. */
    IO_ERROR(28),
    /** A shard decrypted but its content is inconsistent (bad compression frame, wrong length). */
    CORRUPT_CONTENT(29);

    private final int exitCode;

    ShardErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    /** Process exit code the CLI uses for this failure. */
    public int exitCode() {
        return exitCode;
    }
}
