package io.stoq.shard.analyze;

import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import java.util.OptionalLong;

/**
 * Picks chunk sizes for one file from its size, format and redundancy policy.
 *
 * <p>The formula (also in {@code docs/shard.md}):
 * <pre>
 *   size &lt;= 256 KiB             -&gt; one shard (min = avg = 256 KiB, so FastCDC never cuts)
 *   avg  = pow2(size / 256)        aim at ~256 shards: per-shard costs (a hash in the manifest and
 *                                  the location proof, a network round trip) stay small, and an
 *                                  edit still rewrites well under 1% of the file
 *   avg  = clamp(avg, 256 KiB, 4 MiB)  below 256 KiB the store's fixed cost per shard (a file,
 *                                  two fsyncs, about 1 ms of kernel CPU) outweighed the pipeline
 *   MEDIA           -&gt; avg * 2    dense formats rarely share sub-file content: fewer, larger shards
 *   erasure k+m     -&gt; avg = max(avg, pow2(k * 64 KiB))  each of the k fragments stays &gt;= 64 KiB
 *   min  = avg / 4, max = avg * 4 (FastCDC's customary ratios), normalization level 1
 *   snap window = avg / 8 for formats with natural boundaries
 *   unknown size    -&gt; avg = 1 MiB
 * </pre>
 * {@code pow2} rounds to the nearest power of two, matching FastCDC's mask bits.
 */
public final class ShardSizing {
    /** Files up to this size become a single shard. */
    public static final int SMALL_FILE = 256 * 1024;
    static final int TARGET_SHARDS = 256;
    /**
     * Smallest average chunk of a file that is cut at all. It was 64 KiB until issue 11 measured a
     * node writing 170 KiB shards: each costs a file, its fsync, a rename and a directory fsync,
     * about 1 ms of kernel CPU, which for files under 64 MiB cost as much CPU per byte as the
     * whole shard pipeline (docs/shard.md).
     */
    static final int AVG_FLOOR = 256 * 1024;
    /** Smallest erasure fragment: each of the k fragments of a chunk stays at least this large. */
    static final int FRAGMENT_FLOOR = 64 * 1024;
    /** Smallest cap a node may put on the average ({@link #plan(OptionalLong, ContentFormat, RedundancyPolicy, int)}). */
    static final int CAP_FLOOR = 64 * 1024;
    static final int AVG_CEILING = ChunkParams.AVG_UPPER;
    static final int UNKNOWN_SIZE_AVG = 1 << 20;

    private ShardSizing() {}

    /** The chunk plan for a file of {@code size} bytes (empty when unknown, e.g. a chunked upload). */
    public static ChunkPlan plan(OptionalLong size, ContentFormat format, RedundancyPolicy policy) {
        return plan(size, format, policy, AVG_CEILING);
    }

    /**
     * As {@link #plan(OptionalLong, ContentFormat, RedundancyPolicy)} with the average chunk size
     * capped at {@code maxAverage} (a power of two between 64 KiB and 4 MiB): a node caps it to
     * bound the memory each concurrent upload holds (the chunker buffers about twice
     * {@code max = 4 x avg}).
     */
    public static ChunkPlan plan(OptionalLong size, ContentFormat format, RedundancyPolicy policy, int maxAverage) {
        if (Integer.bitCount(maxAverage) != 1 || maxAverage < CAP_FLOOR || maxAverage > AVG_CEILING) {
            throw new IllegalArgumentException("maxAverage must be a power of two in [64 KiB, 4 MiB]");
        }
        BoundaryRule rule = format.boundaryRule();
        if (size.isPresent() && size.getAsLong() <= SMALL_FILE) {
            return new ChunkPlan(new ChunkParams(SMALL_FILE, SMALL_FILE, 4 * SMALL_FILE, 1), null, 0);
        }
        int avg = size.isPresent() ? pow2(size.getAsLong() / TARGET_SHARDS) : UNKNOWN_SIZE_AVG;
        avg = clamp(avg);
        if (format == ContentFormat.MEDIA) {
            avg = clamp(avg * 2);
        }
        avg = Math.min(avg, maxAverage);
        if (policy instanceof RedundancyPolicy.Erasure erasure) {
            // Only the ceiling here: avg is already at the floor unless a node's cap took it
            // below, and the fragments then need their own floor, not the file's.
            avg = Math.min(AVG_CEILING, Math.max(avg, pow2((long) erasure.k() * FRAGMENT_FLOOR)));
        }
        ChunkParams params = new ChunkParams(avg / 4, avg, avg * 4, 1);
        return rule == BoundaryRule.NONE ? ChunkPlan.plain(params) : new ChunkPlan(params, rule, avg / 8);
    }

    /** Convenience for a known size. */
    public static ChunkPlan plan(long size, ContentFormat format, RedundancyPolicy policy) {
        return plan(OptionalLong.of(size), format, policy);
    }

    /** Nearest power of two to {@code value} (ties round up), at least 1. */
    static int pow2(long value) {
        if (value <= 1) {
            return 1;
        }
        int bits = (int) Math.round(Math.log((double) value) / Math.log(2));
        return bits >= 30 ? 1 << 30 : 1 << bits;
    }

    private static int clamp(int avg) {
        return Math.max(AVG_FLOOR, Math.min(AVG_CEILING, avg));
    }
}
