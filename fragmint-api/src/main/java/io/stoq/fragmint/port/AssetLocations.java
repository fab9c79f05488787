package io.stoq.fragmint.port;

import java.util.List;

/**
 * Where an asset version's shards are, according to the ledger's location proofs: per shard, the
 * nodes that signed a proof listing it (node ids as in {@code GET /v1/nodes}).
 *
 * @param assetId the asset
 * @param version the version shown
 * @param policy the redundancy policy the version was written under ({@code replicas:3}), or
 *     null when not recorded
 * @param shards one entry per shard of the version, in content order
 */
public record AssetLocations(String assetId, long version, @Nullable String policy, List<Shard> shards) {
    public AssetLocations {
        shards = List.copyOf(shards);
    }

    /**
     * One shard.
     *
     * @param index its position in the version
     * @param sha3 hex SHA3-256 of its stored (encrypted) bytes: its name on every node
     * @param size its stored size in bytes
     * @param nodes the nodes whose location proofs list it, sorted
     */
    public record Shard(int index, String sha3, long size, List<String> nodes) {
        public Shard {
            nodes = List.copyOf(nodes);
        }
    }
}
