package io.stoq.shard.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;

/**
 * What {@link ShardCodec#encode(io.stoq.shard.chunk.Chunk, CodecWorkspace)} reuses from one shard
 * to the next: a native zstd compression context and the scratch arrays compression writes into.
 *
 * <p>Why it exists: zstd-jni's static {@code Zstd.compress} allocates and frees a native context
 * (megabytes at the window sizes shards use) on every call, and then copies its output into a
 * right-sized array. With a workspace, compression writes into {@link #packed} and encryption
 * reads straight from it, so the only array allocated per shard is the sealed output. Measured:
 * memset in the encode threads fell from 0.75% to 0.25% of profile samples; throughput moved
 * within the noise (docs/shard.md).
 *
 * <p>Owned by exactly one thread at a time (the {@link ShardEncoder} gives each pool thread its
 * own for the thread's lifetime); not thread-safe. Close it to free the native context.
 */
final class CodecWorkspace implements AutoCloseable {
    private final ZstdCompressCtx zstd = new ZstdCompressCtx().setContentSize(true).setChecksum(false);
    private int level = Integer.MIN_VALUE;
    private byte[] packed = new byte[0];
    private byte[] probe = new byte[0];

    /**
     * Compresses {@code src[offset, offset + length)} at {@code level} into this workspace's
     * scratch array ({@link #packed()}, valid until the next call) and returns the compressed
     * length. The frame records the content size, which decoding checks against the manifest.
     * A zstd error (impossible with a compressBound-sized output) surfaces as zstd-jni's
     * unchecked {@code ZstdException} and fails the shard.
     */
    int compress(byte[] src, int offset, int length, int level) {
        packed = fit(packed, length);
        return compressInto(packed, src, offset, length, level);
    }

    /** Like {@link #compress} into a separate scratch array, for compressibility probes; returns the compressed length. */
    int probe(byte[] src, int offset, int length, int level) {
        probe = fit(probe, length);
        return compressInto(probe, src, offset, length, level);
    }

    /** The scratch array the last {@link #compress} wrote to. */
    byte[] packed() {
        return packed;
    }

    /** {@code scratch} if it can hold the worst-case frame of {@code length} bytes, else a new array that can. */
    private static byte[] fit(byte[] scratch, int length) {
        int bound = (int) Zstd.compressBound(length);
        return scratch.length >= bound ? scratch : new byte[bound];
    }

    private int compressInto(byte[] dst, byte[] src, int offset, int length, int wanted) {
        setLevel(wanted);
        return zstd.compressByteArray(dst, 0, dst.length, src, offset, length);
    }

    private void setLevel(int wanted) {
        if (wanted != level) {
            zstd.setLevel(wanted);
            level = wanted;
        }
    }

    @Override
    public void close() {
        zstd.close();
    }
}
