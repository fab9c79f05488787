package io.stoq.shard.manifest;

import io.stoq.crypto.hash.Hash256;
import java.util.List;

/**
 * How the shards of an {@code erasure:K+M} version are stored: each shard (its stored bytes, as
 * the manifest's {@code ShardEntry} lists them) is cut into {@code k} data and {@code m} parity
 * pieces of {@code pieceSize} bytes each, and only the pieces are stored, piece {@code i} on the
 * i-th node of the shard's placement. The manifest carries this (schema 3) because it is the one
 * record a reader trusts: a piece is accepted only if it hashes to the hash listed here for its
 * index, and the shard rebuilt from any {@code k} pieces must still hash to the shard's own hash.
 *
 * <p>Immutable. The coding itself (Reed-Solomon, systematic: pieces 0..k-1 are the shard's bytes,
 * zero-padded to {@code k * pieceSize}) is stoq-placement's {@code ErasureCodec}; this module only
 * records its output, so it does not depend on the coder.
 *
 * @param k data pieces per shard (k + m <= 64, as RedundancyPolicy allows)
 * @param m parity pieces per shard
 * @param shards per shard of the manifest, in manifest order: its piece size and piece hashes
 */
public record PieceLayouts(int k, int m, List<Shard> shards) {
    public PieceLayouts {
        if (k < 1 || m < 1 || k + m > 64) {
            throw new IllegalArgumentException("erasure " + k + "+" + m + " is outside 1..64 pieces (the limit of RedundancyPolicy)");
        }
        shards = List.copyOf(shards);
        for (Shard s : shards) {
            if (s.pieceHashes().size() != k + m) {
                throw new IllegalArgumentException("a shard lists " + s.pieceHashes().size() + " piece hashes, not " + (k + m));
            }
        }
    }

    /**
     * The pieces of one shard.
     *
     * @param pieceSize bytes in each piece: {@code max(1, ceil(storedLength / k))}
     * @param pieceHashes SHA3-256 of piece 0..k+m-1
     */
    public record Shard(int pieceSize, List<Hash256> pieceHashes) {
        public Shard {
            if (pieceSize < 1) {
                throw new IllegalArgumentException("piece size " + pieceSize + " must be >= 1");
            }
            pieceHashes = List.copyOf(pieceHashes);
        }
    }

    /** Pieces per shard, {@code k + m}. */
    public int pieces() {
        return k + m;
    }

    /** The piece size a shard of {@code storedLength} bytes has under {@code k} data pieces. */
    public static int pieceSize(long storedLength, int k) {
        return (int) Math.max(1, (storedLength + k - 1) / k);
    }
}
