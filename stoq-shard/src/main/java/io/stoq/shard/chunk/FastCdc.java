package io.stoq.shard.chunk;

/**
 * The FastCDC 2020 cut-point search (Xia et al., "The Design of Fast Content-Defined Chunking for
 * Data Deduplication Based Storage Systems", TPDS 2020), written to reproduce the reference
 * implementation's cut points exactly: skip {@code min} bytes, roll the gear hash two bytes per
 * step, test the strict (small) mask up to {@code avg} and the loose (large) mask after it, and cut
 * at {@code max} when nothing matched.
 *
 * <p>Not thread-safe ({@link #lastHash()} is per call state): one instance per chunker.
 */
public final class FastCdc {
    private final ChunkParams params;
    private final long maskS;
    private final long maskL;
    private final long maskSLs;
    private final long maskLLs;
    private long lastHash;

    public FastCdc(ChunkParams params) {
        this.params = params;
        int bits = params.bits();
        this.maskS = GearTable.MASKS[bits + params.normalization()];
        this.maskL = GearTable.MASKS[bits - params.normalization()];
        this.maskSLs = maskS << 1;
        this.maskLLs = maskL << 1;
    }

    public ChunkParams params() {
        return params;
    }

    /**
     * Length of the next chunk of {@code source[start, start + remaining)}, where {@code remaining}
     * is everything known to be left of the input when the input ends within {@code max} bytes, or
     * at least {@code max} bytes otherwise. A remainder no longer than {@code min} is one chunk.
     */
    public int cut(byte[] source, int start, int remaining) {
        if (remaining <= params.min()) {
            lastHash = 0;
            return remaining;
        }
        int center = params.avg();
        if (remaining > params.max()) {
            remaining = params.max();
        } else if (remaining < center) {
            center = remaining;
        }
        if (start < 0 || start + remaining > source.length) {
            throw new IndexOutOfBoundsException("cut range " + start + "+" + remaining + " outside " + source.length);
        }
        long[] gear = GearTable.GEAR;
        long[] shifted = GearTable.SHIFTED;
        long hash = 0;
        // a walks the even offsets from min (rounded down to even); the loop bounds keep
        // a + 1 inside the range checked above, so the JIT can drop per-byte range checks.
        int a = start + (params.min() / 2) * 2;
        int smallEnd = start + (center / 2) * 2;
        for (; a < smallEnd; a += 2) {
            hash = (hash << 2) + shifted[source[a] & 0xff];
            if ((hash & maskSLs) == 0) {
                lastHash = hash;
                return a - start;
            }
            hash += gear[source[a + 1] & 0xff];
            if ((hash & maskS) == 0) {
                lastHash = hash;
                return a - start + 1;
            }
        }
        int largeEnd = start + (remaining / 2) * 2;
        for (; a < largeEnd; a += 2) {
            hash = (hash << 2) + shifted[source[a] & 0xff];
            if ((hash & maskLLs) == 0) {
                lastHash = hash;
                return a - start;
            }
            hash += gear[source[a + 1] & 0xff];
            if ((hash & maskL) == 0) {
                lastHash = hash;
                return a - start + 1;
            }
        }
        lastHash = hash;
        return remaining;
    }

    /** The gear hash at the last cut point (0 for a tail no longer than {@code min}). */
    public long lastHash() {
        return lastHash;
    }
}
