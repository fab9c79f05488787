package io.stoq.placement.erasure;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.util.Objects;

/**
 * One erasure piece of a shard: its index (0..k-1 data, k..k+m-1 parity), its bytes and their
 * SHA3-256. Reed-Solomon cannot tell a damaged piece from a good one (a flipped byte decodes into
 * wrong data without complaint), so each piece is hashed apart and the hash checked before it is
 * used: {@link ErasureLayout#verify(Piece)}.
 *
 * <p>The array is not copied (pieces are megabytes); a piece owns its array and nobody writes to
 * it after construction. Equality is the record's, by array identity: compare {@link #sha3()}.
 *
 * @param index position among the k+m pieces
 * @param data  the piece's bytes, exactly the layout's piece size
 * @param sha3  SHA3-256 of {@code data} as the piece claims it
 */
public record Piece(int index, byte[] data, Hash256 sha3) {
    public Piece {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(sha3, "sha3");
        if (index < 0) {
            throw new IllegalArgumentException("a piece index is >= 0, got " + index);
        }
    }

    /** A piece whose hash is computed from {@code data} now. */
    public static Piece of(int index, byte[] data) {
        return new Piece(index, data, Sha3.hash(data));
    }

    /** The piece's bytes hash to the hash it carries. */
    public boolean intact() {
        return Sha3.hash(data).equals(sha3);
    }
}
