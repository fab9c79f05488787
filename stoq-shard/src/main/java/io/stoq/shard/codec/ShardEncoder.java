package io.stoq.shard.codec;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha256;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.chunk.Chunk;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.chunk.Chunker;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The streaming shard pipeline: the calling thread reads and chunks the input, a {@link CodecPool}
 * compresses, encrypts and hashes chunks in parallel, and the calling thread hands finished shards
 * to the sink strictly in index order. Optionally a plaintext hash lane hashes the whole input with
 * SHA-256 (the content digest clients check; docs/shard.md) on the pool, chunk after chunk in
 * order, beside the encoding: the calling thread never hashes.
 *
 * <pre>
 *   caller:  read -> chunk -> submit ----------------------------> wait head -> sink (in order)
 *   pool:                      \-> compress -> encrypt -> hash --/
 *   pool:                      \-> SHA-256 of the plaintext, chunk after chunk (the lane)
 * </pre>
 *
 * <p>Memory is bounded whatever the input size: at most {@code window} shards (default
 * {@value #WINDOW_PER_THREAD} per pool thread) and at most {@code maxInFlightBytes} of plaintext
 * are in flight per encode, and every in-flight shard holds twice its plaintext length of the
 * pool's shared memory budget (plaintext and sealed copy); when any bound is reached the caller
 * hands its oldest shard to the sink before reading more, and waits for budget only with nothing
 * in flight. Peak heap of one encode is therefore about the chunker's buffer
 * ({@link Chunker#bufferSize}, lent by the pool and reused) plus the in-flight bytes (at most
 * twice {@code maxInFlightBytes}); the pool's {@link CodecWorkspace}s are shared by all encodes.
 *
 * <p>Suite-2 codecs give each shard a chunk id; a chunk whose id an earlier shard of the same
 * encode already had is handed to the sink as {@link EncodedShard#reused() reused} (the first
 * one's entry), so repeated content inside one input is stored once.
 *
 * <p>Each in-flight shard carries a {@link ShardState}, moved only along that enum's table by the
 * calling thread (emit, fail) and the one pool worker encoding it; {@link #inFlight()} shows them.
 *
 * <p>One {@link #encode} at a time per instance; many instances may share one pool. Close it:
 * an encoder made with {@link #ShardEncoder(int)} owns its pool and shuts it down.
 */
public final class ShardEncoder implements AutoCloseable {
    /** Default bound on plaintext bytes in flight. */
    public static final long DEFAULT_IN_FLIGHT_BYTES = 32L << 20;
    /** Default in-flight shards per pool thread. */
    public static final int WINDOW_PER_THREAD = 2;

    private final CodecPool pool;
    private final boolean ownsPool;
    private final int window;
    private final long maxInFlightBytes;
    /** Shards of the current (or last) encode not yet handed to the sink, oldest first. */
    private final ConcurrentLinkedDeque<Pending> inFlight = new ConcurrentLinkedDeque<>();

    /** An encoder with a pool of its own ({@code threads} threads, no budget beyond its window). */
    public ShardEncoder(int threads) {
        this(new CodecPool(threads, Long.MAX_VALUE / 2), true, WINDOW_PER_THREAD * threads, DEFAULT_IN_FLIGHT_BYTES);
    }

    public ShardEncoder(int threads, int window, long maxInFlightBytes) {
        this(new CodecPool(threads, Long.MAX_VALUE / 2), true, window, maxInFlightBytes);
    }

    /** An encoder on a shared pool (not closed by {@link #close()}). */
    public ShardEncoder(CodecPool pool) {
        this(pool, false, WINDOW_PER_THREAD * pool.threads(), DEFAULT_IN_FLIGHT_BYTES);
    }

    private ShardEncoder(CodecPool pool, boolean ownsPool, int window, long maxInFlightBytes) {
        if (window < 1 || maxInFlightBytes < 1) {
            throw new IllegalArgumentException("window and in-flight bytes must be positive");
        }
        this.pool = pool;
        this.ownsPool = ownsPool;
        this.window = window;
        this.maxInFlightBytes = maxInFlightBytes;
    }

    public int threads() {
        return pool.threads();
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

    /** As {@link #encode(InputStream, ChunkPlan, ShardCodec, ShardSink, boolean)} without the plaintext hash. */
    public EncodeResult encode(InputStream in, ChunkPlan plan, ShardCodec codec, ShardSink sink)
            throws ShardException, IOException {
        return encode(in, plan, codec, sink, false);
    }

    /**
     * Chunks {@code in} with {@code plan}, encodes every chunk with {@code codec} and passes the
     * shards to {@code sink} in order; with {@code hashPlain}, the result carries the SHA-256 of
     * the whole input, computed on the pool beside the encoding. Does not close {@code in}. On
     * any failure, outstanding work is cancelled and the first failure is thrown; the sink has
     * then seen a prefix of the shards.
     */
    public EncodeResult encode(InputStream in, ChunkPlan plan, ShardCodec codec, ShardSink sink, boolean hashPlain)
            throws ShardException, IOException {
        byte[] buffer;
        try {
            buffer = pool.acquireChunkerBuffer(Chunker.bufferSize(plan));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardException(ShardErrorCode.IO_ERROR, "interrupted while waiting for a chunker buffer");
        }
        Chunker chunker = new Chunker(in, plan, buffer);
        inFlight.clear();
        Run run = new Run(sink, hashPlain ? new HashLane(pool) : null);
        try {
            for (Chunk chunk; (chunk = chunker.next()) != null; ) {
                int units = pool.units(2L * chunk.length());
                while (true) {
                    if (inFlight.isEmpty()) {
                        pool.take(units); // nothing of ours in flight: we hold no budget while we wait
                        break;
                    }
                    if (inFlight.size() < window && run.inFlightPlain + chunk.length() <= maxInFlightBytes
                            && pool.tryTake(units)) {
                        break;
                    }
                    run.emit(inFlight.poll());
                }
                Chunk c = chunk;
                Pending pending = new Pending(c.index(), c.length(), units);
                inFlight.add(pending);
                run.inFlightPlain += c.length();
                pending.future = pool.submit(() -> pending.encode(codec, c));
                if (run.lane != null) {
                    pending.hashed = run.lane.add(c.data());
                }
            }
            while (!inFlight.isEmpty()) {
                run.emit(inFlight.poll());
            }
            Hash256 plainSha256 = run.lane == null ? null : run.lane.digest();
            return new EncodeResult(run.entries, run.plainBytes, run.storedBytes, run.newStoredBytes, run.reused, plainSha256);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardException(ShardErrorCode.IO_ERROR, "interrupted while waiting for the shard pipeline's memory budget");
        } finally {
            // Left in the deque (all FAILED) for inFlight(); cleared when the next encode starts.
            for (Pending p : inFlight) {
                p.fail();
                if (p.future != null) {
                    p.future.cancel(true);
                }
                pool.give(p.units);
            }
            pool.releaseChunkerBuffer(buffer);
        }
    }

    private static void await(Future<?> future) throws ShardException {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardException(ShardErrorCode.IO_ERROR, "interrupted while encoding shards");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ShardException se) {
                throw se;
            }
            throw new IllegalStateException("shard encoding failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        if (ownsPool) {
            pool.close();
        }
    }

    /** The calling thread's bookkeeping of one encode. */
    private final class Run {
        final ShardSink sink;
        final HashLane lane;
        final List<ShardEntry> entries = new ArrayList<>();
        /** Chunk id to the first entry of this encode that had it (suite 2). */
        final Map<Hash256, ShardEntry> seen = new HashMap<>();
        long plainBytes;
        long storedBytes;
        long newStoredBytes;
        long inFlightPlain;
        int reused;

        Run(ShardSink sink, HashLane lane) {
            this.sink = sink;
            this.lane = lane;
        }

        /** Waits for the oldest shard, hands it to the sink, and only then gives its budget back. */
        void emit(Pending pending) throws ShardException, IOException {
            try {
                emitHolding(pending);
            } finally {
                pool.give(pending.units);
            }
        }

        private void emitHolding(Pending pending) throws ShardException, IOException {
            EncodedShard shard;
            try {
                await(pending.future);
                if (pending.hashed != null) {
                    await(pending.hashed);
                }
                shard = pending.future.get();
            } catch (InterruptedException e) {
                pending.fail();
                Thread.currentThread().interrupt();
                throw new ShardException(ShardErrorCode.IO_ERROR, "interrupted while encoding shards");
            } catch (ExecutionException e) {
                pending.fail();
                throw new IllegalStateException("shard encoding failed: " + e.getCause(), e.getCause());
            } catch (ShardException | RuntimeException e) {
                pending.fail();
                throw e;
            }
            inFlightPlain -= pending.plainLength;
            if (!shard.reused() && shard.chunkId() != null) {
                ShardEntry first = seen.putIfAbsent(shard.chunkId(), shard.entry());
                if (first != null && first.plainLength() == shard.plainLength()) {
                    shard = EncodedShard.reuse(shard.index(), shard.plainOffset(), first);
                }
            }
            plainBytes += shard.plainLength();
            storedBytes += shard.entry().storedLength();
            if (shard.reused()) {
                reused++;
            } else {
                newStoredBytes += shard.entry().storedLength();
            }
            entries.add(shard.entry());
            try {
                sink.accept(shard);
            } catch (ShardException | IOException | RuntimeException e) {
                pending.fail();
                throw e;
            }
            pending.move(ShardState.ENCODED, ShardState.EMITTED);
        }
    }

    /**
     * The whole-input SHA-256, computed on the pool in input order beside the encoding. Chunks
     * queue up; one pool task at a time drains the queue (hashing every chunk that has arrived,
     * not one chunk per task), so the lane does not wait its turn in the pool's FIFO once per
     * chunk behind every other upload's shards, which would make it the slowest step of each
     * upload. Each chunk's future completes once it is hashed (the emitter waits for it, so a
     * chunk's bytes are held, and counted in the budget, until then).
     */
    private static final class HashLane {
        private final CodecPool pool;
        private final Sha256 sha256 = new Sha256();
        private final java.util.concurrent.ConcurrentLinkedQueue<Object[]> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

        HashLane(CodecPool pool) {
            this.pool = pool;
        }

        /** Called by the encoding thread, in input order. */
        CompletableFuture<Void> add(byte[] data) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            queue.add(new Object[] {data, done});
            last = done;
            if (draining.compareAndSet(false, true)) {
                try {
                    pool.execute(this::drain);
                } catch (RuntimeException e) {
                    draining.set(false);
                    done.completeExceptionally(e);
                }
            }
            return done;
        }

        /** On a pool thread: hashes whatever is queued, in order; exactly one drain runs at a time. */
        private void drain() {
            while (true) {
                for (Object[] item; (item = queue.poll()) != null; ) {
                    @SuppressWarnings("unchecked")
                    CompletableFuture<Void> done = (CompletableFuture<Void>) item[1];
                    try {
                        sha256.update((byte[]) item[0]);
                        done.complete(null);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                }
                draining.set(false);
                // An add() between the last poll and the reset saw draining == true and left its
                // chunk for us: take it (unless another drain already has).
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
            }
        }

        /** The digest, once every added chunk is hashed (the emitter has waited for each). */
        Hash256 digest() throws ShardException {
            await(last);
            return sha256.digest();
        }
    }

    /** One shard in flight. {@code state} is shared by the calling thread and one pool worker. */
    private static final class Pending {
        final long index;
        final int plainLength;
        final int units;
        final AtomicReference<ShardState> state = new AtomicReference<>(ShardState.QUEUED);
        volatile Future<EncodedShard> future;
        volatile CompletableFuture<Void> hashed;

        Pending(long index, int plainLength, int units) {
            this.index = index;
            this.plainLength = plainLength;
            this.units = units;
        }

        /** Runs on the pool worker. */
        EncodedShard encode(ShardCodec codec, Chunk chunk) throws ShardException {
            move(ShardState.QUEUED, ShardState.ENCODING);
            EncodedShard shard;
            try {
                shard = codec.encode(chunk, CodecPool.WORKSPACE.get());
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
