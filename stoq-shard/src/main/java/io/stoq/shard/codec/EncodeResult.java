package io.stoq.shard.codec;

import io.stoq.crypto.hash.Hash256;
import java.util.List;

/**
 * What one pipeline run produced: the shard entries in order and byte totals.
 *
 * @param storedBytes stored bytes of all listed shards, reused ones included
 * @param newStoredBytes stored bytes of the shards this run sealed (what a store has to write)
 * @param reusedShards shards answered with an entry the lineage or this run already had
 * @param plainSha256 SHA-256 of the whole input (the content digest) when the run hashed it, else null
 */
public record EncodeResult(List<ShardEntry> shards, long plainBytes, long storedBytes, long newStoredBytes, int reusedShards,
        Hash256 plainSha256) {
    public EncodeResult {
        shards = List.copyOf(shards);
    }

    public EncodeResult(List<ShardEntry> shards, long plainBytes, long storedBytes) {
        this(shards, plainBytes, storedBytes, storedBytes, 0, null);
    }
}
