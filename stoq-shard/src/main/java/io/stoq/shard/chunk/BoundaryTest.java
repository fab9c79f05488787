package io.stoq.shard.chunk;

/**
 * Decides whether a position is a natural boundary of the data (a line start, an archive entry).
 * The chunker snaps cut points to such positions; {@code io.stoq.shard.analyze.BoundaryRule}
 * provides the format-specific rules. Implementations must be stateless and thread-safe.
 */
public interface BoundaryTest {
    /**
     * True when a chunk may end just before {@code buf[pos]}; {@code end} bounds the valid bytes,
     * {@code absolute} is the position's offset in the whole input. Called with {@code pos >= 1}.
     */
    boolean startsAt(byte[] buf, int pos, int end, long absolute);

    /** Bytes needed at and after a position to decide it. */
    int lookahead();
}
