package io.stoq.shard.codec;

import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.chunk.Chunk;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.chunk.Chunker;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
 * <p>Memory is bounded whatever the input size: at most {@code window} shards (default
 * {@value #WINDOW_PER_THREAD} per pool thread) and at most {@code maxInFlightBytes} of plaintext
 * are in flight; when either bound is reached the caller waits for the oldest shard before
 * reading more. Peak heap is therefore about the chunker's buffer ({@code max} bytes) plus
 * roughly twice the in-flight bytes (plaintext and sealed copies), plus one compression scratch
 * array per pool thread ({@link CodecWorkspace}).
 *
 * <p>The window is per thread so that, while the caller waits for the oldest shard (output is in
 * index order), the other workers still have queued shards to take. Interleaved runs of 2 and 4
 * per thread on the mixed corpus measured the same throughput (docs/shard.md), so the smaller,
 * cheaper-in-memory window stays.
 *
 * <p>Each in-flight shard carries a {@link ShardState}, moved only along that enum's table by the
 * calling thread (emit, fail) and the one pool worker encoding it; {@link #inFlight()} shows them.
 *
 * <p>Owns its thread pool; close it. One {@link #encode} at a time per instance.
 */
public final class ShardEncoder implements AutoCloseable {
    /** Default bound on plaintext bytes in flight. */
    public static final long DEFAULT_IN_FLIGHT_BYTES = 32L << 20;
    /** Default in-flight shards per pool thread. */
    public static final int WINDOW_PER_THREAD = 2;
    /** Each pool thread's workspace, set for the thread's whole life by the pool's thread factory. */
    private static final ThreadLocal<CodecWorkspace> WORKSPACE = new ThreadLocal<>();

    private final ExecutorService pool;
    private final int threads;
    private final int window;
    private final long maxInFlightBytes;
    /** Shards of the current (or last) encode not yet handed to the sink, oldest first. */
    private final ConcurrentLinkedDeque<Pending> inFlight = new ConcurrentLinkedDeque<>();

    public ShardEncoder(int threads) {
        this(threads, WINDOW_PER_THREAD * threads, DEFAULT_IN_FLIGHT_BYTES);
    }

    public ShardEncoder(int threads, int window, long maxInFlightBytes) {
        if (threads < 1 || window < 1 || maxInFlightBytes < 1) {
            throw new IllegalArgumentException("threads, window and in-flight bytes must be positive");
        }
        this.threads = threads;
        this.window = window;
        this.maxInFlightBytes = maxInFlightBytes;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, worker -> {
            Thread t = new Thread(() -> {
                try (CodecWorkspace workspace = new CodecWorkspace()) {
                    WORKSPACE.set(workspace);
                    worker.run();
                } finally {
                    WORKSPACE.remove();
                }
            }, "stoq-shard-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /**
     * Index and state of every shard of the current encode not yet handed to the sink, oldest
     * first; after a failed encode, the shards it abandoned (all {@link ShardState#FAILED}).
     * Safe to call from any thread (a snapshot).
     */
    public Map<Long, ShardState> inFlight() {
        Map<Long, ShardState> out = new LinkedHashMap<>();
        for (Pending p : inFlight) {
            out.put(p.index, p.state.get());
        }
        return out;
    }

    /**
     * Chunks {@code in} with {@code plan}, encodes every chunk with {@code codec} and passes the
     * shards to {@code sink} in order. Does not close {@code in}. On any failure, outstanding work
     * is cancelled and the first failure is thrown; the sink has then seen a prefix of the shards.
     */
    public EncodeResult encode(InputStream in, ChunkPlan plan, ShardCodec codec, ShardSink sink)
            throws ShardException, IOException {
        Chunker chunker = new Chunker(in, plan);
        inFlight.clear();
        List<ShardEntry> entries = new ArrayList<>();
        long[] totals = new long[3]; // plain, stored, in-flight plain
        try {
            for (Chunk chunk; (chunk = chunker.next()) != null; ) {
                while (!inFlight.isEmpty()
                        && (inFlight.size() >= window || totals[2] + chunk.length() > maxInFlightBytes)) {
                    emit(inFlight.poll(), sink, entries, totals);
                }
                Chunk c = chunk;
                Pending pending = new Pending(c.index(), c.length());
                inFlight.add(pending);
                pending.future = pool.submit(() -> pending.encode(codec, c));
                totals[2] += c.length();
            }
            while (!inFlight.isEmpty()) {
                emit(inFlight.poll(), sink, entries, totals);
            }
            return new EncodeResult(entries, totals[0], totals[1]);
        } finally {
            for (Pending p : inFlight) {
                p.fail();
                if (p.future != null) {
                    p.future.cancel(true);
                }
            }
        }
    }

    private static void emit(Pending pending, ShardSink sink, List<ShardEntry> entries, long[] totals)
            throws ShardException, IOException {
        EncodedShard shard;
        try {
            shard = pending.future.get();
        } catch (InterruptedException e) {
            pending.fail();
            Thread.currentThread().interrupt();
            throw new ShardException(ShardErrorCode.IO_ERROR, "interrupted while encoding shards");
        } catch (ExecutionException e) {
            pending.fail();
            if (e.getCause() instanceof ShardException se) {
                throw se;
            }
            throw new IllegalStateException("shard encoding failed: " + e.getCause(), e.getCause());
        }
        totals[2] -= pending.plainLength;
        totals[0] += shard.plainLength();
        totals[1] += shard.stored().length;
        entries.add(shard.entry());
        try {
            sink.accept(shard);
        } catch (ShardException | IOException | RuntimeException e) {
            pending.fail();
            throw e;
        }
        pending.move(ShardState.ENCODED, ShardState.EMITTED);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** One shard in flight. {@code state} is shared by the calling thread and one pool worker. */
    private static final class Pending {
        final long index;
        final int plainLength;
        final AtomicReference<ShardState> state = new AtomicReference<>(ShardState.QUEUED);
        volatile Future<EncodedShard> future;

        Pending(long index, int plainLength) {
            this.index = index;
            this.plainLength = plainLength;
        }

        /** Runs on the pool worker. */
        EncodedShard encode(ShardCodec codec, Chunk chunk) throws ShardException {
            move(ShardState.QUEUED, ShardState.ENCODING);
            EncodedShard shard;
            try {
                shard = codec.encode(chunk, WORKSPACE.get());
            } catch (ShardException | RuntimeException e) {
                fail();
                throw e;
            }
            move(ShardState.ENCODING, ShardState.ENCODED);
            return shard;
        }

        /** Moves {@code from -> to}; anything else (e.g. the shard was cancelled meanwhile) is a bug or an abandoned shard. */
        void move(ShardState from, ShardState to) {
            if (!from.canMoveTo(to)) {
                throw new IllegalStateException("shard " + index + ": " + from + " -> " + to + " is not a legal move");
            }
            if (!state.compareAndSet(from, to)) {
                throw new IllegalStateException("shard " + index + " is " + state.get() + ", not " + from + ", so it cannot become " + to);
            }
        }

        /** Marks the shard failed unless it already reached a terminal state. */
        void fail() {
            state.getAndUpdate(s -> s.canMoveTo(ShardState.FAILED) ? ShardState.FAILED : s);
        }
    }
}
