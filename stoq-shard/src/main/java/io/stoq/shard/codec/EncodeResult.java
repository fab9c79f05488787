package io.stoq.shard.codec;

import java.util.List;

/** What one pipeline run produced: the shard entries in order and byte totals. */
public record EncodeResult(List<ShardEntry> shards, long plainBytes, long storedBytes) {
    public EncodeResult {
        shards = List.copyOf(shards);
    }
}
