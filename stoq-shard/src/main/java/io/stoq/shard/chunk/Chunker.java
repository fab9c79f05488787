package io.stoq.shard.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Streams an input into content-defined chunks (FastCDC 2020, see {@link FastCdc}), optionally
 * snapping each cut point to the nearest natural boundary within a window.
 *
 * <p>Memory: one buffer of up to {@code 2 x max + lookahead} bytes plus the chunk being returned, whatever
 * the input size. Snapping only moves a cut between {@code min} and {@code max}, so every chunk
 * but the last is still within the FastCDC size bounds, and since both the gear-hash cut point and
 * the boundaries are functions of local content, cuts re-synchronise after an edit exactly as in
 * plain FastCDC.
 *
 * <p>Not thread-safe: one caller drives {@link #next()}. Does not close the input.
 */
public final class Chunker {
    private final InputStream in;
    private final ChunkPlan plan;
    private final FastCdc cdc;
    private final byte[] buf;
    /** Bytes that must be buffered before cutting, unless the input ends first: max + lookahead + 1. */
    private final int need;
    private int start;
    private int end;
    private long bufOffset; // input offset of buf[0]
    private boolean eof;
    private long index;

    public Chunker(InputStream in, ChunkPlan plan) {
        this(in, plan, new byte[bufferSize(plan)]);
    }

    /**
     * A chunker that reads into {@code buffer} (at least {@link #bufferSize} bytes), so callers can
     * reuse buffers across inputs; its previous contents do not matter.
     */
    public Chunker(InputStream in, ChunkPlan plan, byte[] buffer) {
        this.in = in;
        this.plan = plan;
        this.cdc = new FastCdc(plan.params());
        this.need = need(plan);
        if (buffer.length < bufferSize(plan)) {
            throw new IllegalArgumentException("chunker buffer of " + buffer.length + " bytes, needs " + bufferSize(plan));
        }
        this.buf = buffer;
    }

    /** The buffer a chunker with {@code plan} reads into: {@code need} plus as much slack, at most 8 MiB of it. */
    public static int bufferSize(ChunkPlan plan) {
        int need = need(plan);
        // Slack beyond `need` lets several chunks be cut between two compactions of the buffer.
        return need + Math.min(need, 8 << 20);
    }

    private static int need(ChunkPlan plan) {
        int lookahead = plan.snapping() ? plan.snap().lookahead() : 0;
        return plan.params().max() + lookahead + 1;
    }

    /** Chunks a buffer's remaining bytes (consumed as they are chunked). */
    public static Chunker of(ByteBuffer source, ChunkPlan plan) {
        return new Chunker(new ByteBufferInput(source), plan);
    }

    /** The next chunk, or null at the end of the input. An empty input yields no chunks. */
    public Chunk next() throws IOException {
        fill();
        int remaining = end - start;
        if (remaining == 0) {
            return null;
        }
        // Before the end of input the buffer holds more than max bytes, which is all cut() needs to know.
        int length = cdc.cut(buf, start, remaining);
        boolean tail = eof && length == remaining;
        if (plan.snapping() && !tail) {
            length = snap(length, remaining);
        }
        Chunk chunk = new Chunk(index++, bufOffset + start, Arrays.copyOfRange(buf, start, start + length));
        start += length;
        return chunk;
    }

    /** The gear hash at the last plain cut point (for reference-vector checks). */
    public long lastGearHash() {
        return cdc.lastHash();
    }

    /**
     * Moves a cut to the nearest boundary in [max(min, cut - w), min(max, cut + w)], preferring the
     * earlier of two equally near ones; keeps the cut when there is none.
     */
    private int snap(int cut, int remaining) {
        ChunkParams p = plan.params();
        int lo = Math.max(p.min(), cut - plan.snapWindow());
        int hi = Math.min(Math.min(p.max(), cut + plan.snapWindow()), remaining - 1);
        BoundaryTest test = plan.snap();
        for (int d = 0; cut - d >= lo || cut + d <= hi; d++) {
            int before = cut - d;
            if (before >= lo && before <= hi && test.startsAt(buf, start + before, end, bufOffset + start + before)) {
                return before;
            }
            int after = cut + d;
            if (d > 0 && after <= hi && after >= lo && test.startsAt(buf, start + after, end, bufOffset + start + after)) {
                return after;
            }
        }
        return cut;
    }

    /** Ensures at least {@code need} valid bytes from {@code start}, or everything up to the input's end. */
    private void fill() throws IOException {
        if (eof || end - start >= need) {
            return;
        }
        if (buf.length - start < need) {
            System.arraycopy(buf, start, buf, 0, end - start);
            bufOffset += start;
            end -= start;
            start = 0;
        }
        while (end < buf.length) {
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
                return;
            }
            end += n;
        }
    }

    /** Adapts a ByteBuffer to the InputStream the chunker reads. */
    private static final class ByteBufferInput extends InputStream {
        private final ByteBuffer source;

        ByteBufferInput(ByteBuffer source) {
            this.source = source;
        }

        @Override
        public int read() {
            return source.hasRemaining() ? source.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (!source.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, source.remaining());
            source.get(b, off, n);
            return n;
        }
    }
}
