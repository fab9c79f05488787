package io.stoq.shard.assemble;

import io.stoq.shard.ShardException;
import io.stoq.shard.codec.ShardEntry;
import java.io.IOException;

/**
 * Where reassembly gets stored shards from: a local directory, a peer node, a cache. Sources are
 * untrusted; everything they return is verified before use.
 */
@FunctionalInterface
public interface ShardSource {
    /** Shard {@code index} (described by {@code entry}), or null when this source does not have it. */
    FetchedShard fetch(int index, ShardEntry entry) throws IOException, ShardException;
}
