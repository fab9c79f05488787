package io.stoq.shard.chunk;

/**
 * How to cut one input: the FastCDC sizes, plus optional snapping of every cut point to the nearest
 * natural boundary ({@code snap}) at most {@code snapWindow} bytes away. {@code snap == null} (or a
 * zero window) is plain FastCDC 2020, which reproduces the reference cut points exactly.
 */
public record ChunkPlan(ChunkParams params, BoundaryTest snap, int snapWindow) {
    public ChunkPlan {
        if (snapWindow < 0) {
            throw new IllegalArgumentException("snap window must be >= 0, got " + snapWindow);
        }
        if (snap == null) {
            snapWindow = 0;
        }
    }

    /** Plain FastCDC 2020 with {@code params}. */
    public static ChunkPlan plain(ChunkParams params) {
        return new ChunkPlan(params, null, 0);
    }

    public boolean snapping() {
        return snap != null && snapWindow > 0;
    }
}
