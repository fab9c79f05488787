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
     * @param nodes the nodes whose location proofs list it, sorted (empty for an erasure-coded
     *     shard: it is stored only as its pieces)
     * @param pieces for a version written under {@code erasure:K+M}: its k+m pieces, in piece
     *     order (pieces 0..k-1 are the shard's bytes, the rest parity), each with the nodes whose
     *     proofs list it; null for a shard stored whole
     */
    public record Shard(int index, String sha3, long size, List<String> nodes, @Nullable List<Piece> pieces) {
        public Shard {
            nodes = List.copyOf(nodes);
            pieces = pieces == null ? null : List.copyOf(pieces);
        }

        /** A shard stored whole (replicas). */
        public Shard(int index, String sha3, long size, List<String> nodes) {
            this(index, sha3, size, nodes, null);
        }
    }

    /**
     * One Reed-Solomon piece of an erasure-coded shard.
     *
     * @param index the piece's number, 0..k+m-1 (any k of them rebuild the shard)
     * @param sha3 hex SHA3-256 of the piece: its name on every node, listed in the manifest
     * @param size its size in bytes (every piece of a shard has the same)
     * @param nodes the nodes whose location proofs list it, sorted
     */
    public record Piece(int index, String sha3, long size, List<String> nodes) {
        public Piece {
            nodes = List.copyOf(nodes);
        }
    }
}
