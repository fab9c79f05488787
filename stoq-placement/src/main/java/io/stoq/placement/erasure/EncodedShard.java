package io.stoq.placement.erasure;

import java.util.List;
import java.util.Objects;

/**
 * A shard after erasure encoding: its layout (kept with the shard's metadata) and its k+m pieces
 * in index order (each sent to the node placement chose for that index).
 */
public record EncodedShard(ErasureLayout layout, List<Piece> pieces) {
    public EncodedShard {
        Objects.requireNonNull(layout, "layout");
        pieces = List.copyOf(pieces);
        if (pieces.size() != layout.totalPieces()) {
            throw new IllegalArgumentException("expected " + layout.totalPieces() + " pieces, got " + pieces.size());
        }
    }
}
