package io.stoq.shard.chunk;

import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;

/**
 * FastCDC 2020 size parameters in bytes: no chunk is shorter than {@code min} (except the tail of
 * the input), none longer than {@code max}, and {@code avg} sets the expected size through the
 * number of mask bits ({@code round(log2(avg))}). {@code normalization} is the FastCDC
 * normalization level (0 = off, 1 = the reference default, up to 3).
 *
 * <p>Ranges follow the reference implementation (fastcdc-rs {@code v2020}) so that any accepted
 * parameter set selects masks that exist: min 64 B..1 MiB, avg 256 B..4 MiB, max 1 KiB..16 MiB.
 */
public record ChunkParams(int min, int avg, int max, int normalization) {
    public static final int MIN_LOWER = 64;
    public static final int MIN_UPPER = 1 << 20;
    public static final int AVG_LOWER = 256;
    public static final int AVG_UPPER = 4 << 20;
    public static final int MAX_LOWER = 1024;
    public static final int MAX_UPPER = 16 << 20;

    /** Validates; use {@link #of} for a typed error instead of an unchecked one. */
    public ChunkParams {
        String problem = problem(min, avg, max, normalization);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Checked factory for user input (CLI flags, config). */
    public static ChunkParams of(int min, int avg, int max, int normalization) throws ShardException {
        String problem = problem(min, avg, max, normalization);
        if (problem != null) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, problem);
        }
        return new ChunkParams(min, avg, max, normalization);
    }

    /** The reference default level: {@code normalization = 1}. */
    public static ChunkParams of(int min, int avg, int max) throws ShardException {
        return of(min, avg, max, 1);
    }

    /** Number of mask bits: log2(avg) rounded to the nearest integer, as the reference does. */
    public int bits() {
        return (int) Math.round(Math.log(avg) / Math.log(2));
    }

    private static String problem(int min, int avg, int max, int level) {
        if (min < MIN_LOWER || min > MIN_UPPER) {
            return "chunk min " + min + " out of range " + MIN_LOWER + ".." + MIN_UPPER + " bytes";
        }
        if (avg < AVG_LOWER || avg > AVG_UPPER) {
            return "chunk avg " + avg + " out of range " + AVG_LOWER + ".." + AVG_UPPER + " bytes";
        }
        if (max < MAX_LOWER || max > MAX_UPPER) {
            return "chunk max " + max + " out of range " + MAX_LOWER + ".." + MAX_UPPER + " bytes";
        }
        if (!(min <= avg && avg <= max)) {
            return "chunk sizes must satisfy min <= avg <= max, got " + min + "/" + avg + "/" + max;
        }
        if (level < 0 || level > 3) {
            return "normalization level " + level + " out of range 0..3";
        }
        return null;
    }
}
