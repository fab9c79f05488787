package io.stoq.shard.codec;

/**
 * Where one shard is in {@link ShardEncoder}'s pipeline (style habit 4, after Ambry's
 * {@code ChunkState}). Legal moves, checked on every transition:
 *
 * <pre>
 *   QUEUED --> ENCODING --> ENCODED --> EMITTED
 *     |           |            |
 *     +-----------+------------+------> FAILED
 * </pre>
 */
public enum ShardState {
    /** Chunked and submitted to the pool; waiting for a worker thread. */
    QUEUED,
    /** A worker is compressing, encrypting and hashing it. */
    ENCODING,
    /** Encoded; waits until every earlier shard has gone to the sink (output is in index order). */
    ENCODED,
    /** Accepted by the sink and counted in the result (terminal). */
    EMITTED,
    /** Its encoding or the sink failed, or another shard's failure cancelled it (terminal). */
    FAILED;

    /** True when the table above allows moving from this state to {@code next}. */
    public boolean canMoveTo(ShardState next) {
        return switch (this) {
            case QUEUED -> next == ENCODING || next == FAILED;
            case ENCODING -> next == ENCODED || next == FAILED;
            case ENCODED -> next == EMITTED || next == FAILED;
            case EMITTED, FAILED -> false;
        };
    }
}
