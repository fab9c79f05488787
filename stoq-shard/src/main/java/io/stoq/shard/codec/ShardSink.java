package io.stoq.shard.codec;

import io.stoq.shard.ShardException;
import java.io.IOException;

/**
 * Receives encoded shards in index order, on the thread that called
 * {@link ShardEncoder#encode}. A sink that keeps the bytes must copy nothing: the shard's array is
 * handed over, and dropped by the pipeline right after this call.
 */
@FunctionalInterface
public interface ShardSink {
    void accept(EncodedShard shard) throws IOException, ShardException;

    /** Discards everything (benchmarks, dry runs). */
    ShardSink DISCARD = shard -> { };
}
