package io.stoq.shard.codec;

import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.chunk.Chunk;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.chunk.Chunker;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streaming shard pipeline: the calling thread reads and chunks the input, a fixed pool
 * compresses, encrypts and hashes chunks in parallel, and the calling thread hands finished shards
 * to the sink strictly in index order.
 *
 * <pre>
 *   caller:  read -> chunk -> submit ----------------------------> wait head -> sink (in order)
 *   pool:                      \-> compress -> encrypt -> hash --/
 * </pre>
 *
 * <p>Memory is bounded whatever the input size: at most {@code window} shards (default 2 per pool
 * thread) and at most {@code maxInFlightBytes} of plaintext are in flight; when either bound is
 * reached the caller waits for the oldest shard before reading more. Peak heap is therefore about
 * the chunker's buffer ({@code max} bytes) plus roughly three times the in-flight bytes (plaintext,
 * compressed, sealed copies).
 *
 * <p>Owns its thread pool; close it. One {@link #encode} at a time per instance.
 */
public final class ShardEncoder implements AutoCloseable {
    /** Default bound on plaintext bytes in flight. */
    public static final long DEFAULT_IN_FLIGHT_BYTES = 32L << 20;

    private final ExecutorService pool;
    private final int threads;
    private final int window;
    private final long maxInFlightBytes;

    public ShardEncoder(int threads) {
        this(threads, 2 * threads, DEFAULT_IN_FLIGHT_BYTES);
    }

    public ShardEncoder(int threads, int window, long maxInFlightBytes) {
        if (threads < 1 || window < 1 || maxInFlightBytes < 1) {
            throw new IllegalArgumentException("threads, window and in-flight bytes must be positive");
        }
        this.threads = threads;
        this.window = window;
        this.maxInFlightBytes = maxInFlightBytes;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "stoq-shard-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /**
     * Chunks {@code in} with {@code plan}, encodes every chunk with {@code codec} and passes the
     * shards to {@code sink} in order. Does not close {@code in}. On any failure, outstanding work
     * is cancelled and the first failure is thrown; the sink has then seen a prefix of the shards.
     */
    public EncodeResult encode(InputStream in, ChunkPlan plan, ShardCodec codec, ShardSink sink)
            throws ShardException, IOException {
        Chunker chunker = new Chunker(in, plan);
        ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        List<ShardEntry> entries = new ArrayList<>();
        long[] totals = new long[3]; // plain, stored, in-flight plain
        try {
            for (Chunk chunk; (chunk = chunker.next()) != null; ) {
                while (!inFlight.isEmpty()
                        && (inFlight.size() >= window || totals[2] + chunk.length() > maxInFlightBytes)) {
                    emit(inFlight.poll(), sink, entries, totals);
                }
                Chunk c = chunk;
                inFlight.add(new Pending(c.length(), pool.submit(() -> codec.encode(c))));
                totals[2] += c.length();
            }
            while (!inFlight.isEmpty()) {
                emit(inFlight.poll(), sink, entries, totals);
            }
            return new EncodeResult(entries, totals[0], totals[1]);
        } finally {
            for (Pending p : inFlight) {
                p.future.cancel(true);
            }
        }
    }

    private static void emit(Pending pending, ShardSink sink, List<ShardEntry> entries, long[] totals)
            throws ShardException, IOException {
        EncodedShard shard;
        try {
            shard = pending.future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardException(ShardErrorCode.IO_ERROR, "interrupted while encoding shards");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ShardException se) {
                throw se;
            }
            throw new IllegalStateException("shard encoding failed: " + e.getCause(), e.getCause());
        }
        totals[2] -= pending.plainLength;
        totals[0] += shard.plainLength();
        totals[1] += shard.stored().length;
        entries.add(shard.entry());
        sink.accept(shard);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private record Pending(int plainLength, Future<EncodedShard> future) {}
}
