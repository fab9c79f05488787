package io.stoq.placement.erasure;

import io.stoq.crypto.hash.Hash256;
import io.stoq.placement.PlacementErrorCode;
import io.stoq.placement.PlacementException;
import java.util.List;
import java.util.Objects;

/**
 * What decoding needs to know about an erasure-coded shard, recorded beside it (in the manifest)
 * when it is encoded: k and m, the shard's length before padding, the size of every piece and the
 * SHA3-256 of each of the k+m pieces. Trusted metadata: a piece is accepted only if its bytes hash
 * to the hash recorded here for its index.
 *
 * @param k              data pieces
 * @param m              parity pieces
 * @param originalLength the shard's length in bytes; the last data piece is zero-padded past it
 * @param pieceSize      bytes in every piece: {@code max(1, ceil(originalLength / k))}
 * @param pieceHashes    SHA3-256 of pieces 0..k+m-1, in index order
 */
public record ErasureLayout(int k, int m, int originalLength, int pieceSize, List<Hash256> pieceHashes) {
    public ErasureLayout {
        Objects.requireNonNull(pieceHashes, "pieceHashes");
        pieceHashes = List.copyOf(pieceHashes);
        if (k < 1 || m < 1 || k + m > 64) {
            throw new IllegalArgumentException("erasure k+m needs k >= 1, m >= 1, k + m <= 64, got " + k + "+" + m);
        }
        if (originalLength < 0 || pieceSize != pieceSizeFor(originalLength, k)) {
            throw new IllegalArgumentException("piece size " + pieceSize + " does not fit " + originalLength
                    + " bytes in " + k + " pieces");
        }
        if (pieceHashes.size() != k + m) {
            throw new IllegalArgumentException("a " + k + "+" + m + " layout has " + (k + m)
                    + " piece hashes, got " + pieceHashes.size());
        }
    }

    /** The piece size for {@code length} bytes over {@code k} data pieces; at least 1 byte. */
    public static int pieceSize(int length, int k) {
        return pieceSizeFor(length, k);
    }

    private static int pieceSizeFor(int length, int k) {
        return Math.max(1, (int) ((length + (long) k - 1) / k));
    }

    /** k + m. */
    public int totalPieces() {
        return k + m;
    }

    /** Bytes stored for the shard over all pieces: {@code (k + m) * pieceSize}. */
    public long storedBytes() {
        return (long) totalPieces() * pieceSize;
    }

    /**
     * Checks that {@code piece} belongs here: index in range, exact piece size, bytes hashing to
     * the hash this layout recorded for the index (and to the hash the piece carries).
     */
    public void verify(Piece piece) throws PlacementException {
        if (piece.index() >= totalPieces()) {
            throw new PlacementException(PlacementErrorCode.INVALID_ARGUMENT,
                    "piece " + piece.index() + " is out of range for a " + k + "+" + m + " shard");
        }
        if (piece.data().length != pieceSize) {
            throw new PlacementException(PlacementErrorCode.PIECE_SIZE_MISMATCH,
                    "piece " + piece.index() + " has " + piece.data().length + " bytes, the shard's pieces have "
                            + pieceSize);
        }
        Hash256 expected = pieceHashes.get(piece.index());
        if (!piece.sha3().equals(expected) || !piece.intact()) {
            throw new PlacementException(PlacementErrorCode.PIECE_HASH_MISMATCH,
                    "piece " + piece.index() + " does not hash to " + expected.toHex() + ": it was altered");
        }
    }
}
