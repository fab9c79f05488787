package io.stoq.shard.codec;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The codec threads and the memory budget that every {@link ShardEncoder} of a process shares:
 * a node runs one pool for all its concurrent uploads instead of a pool per upload, so the number
 * of encode threads (and of their {@link CodecWorkspace}s, each holding a native zstd context and
 * a compression scratch array) stays fixed however many uploads arrive.
 *
 * <p><b>Fairness.</b> The queue is FIFO and each encoder keeps at most its window of shards
 * queued, so concurrent uploads take turns in arrival order; none can fill the queue ahead of the
 * others. The memory budget is a fair semaphore (FIFO among waiters), so an upload that waits for
 * bytes is served before later arrivals.
 *
 * <p><b>Memory budget.</b> Bytes a shard holds while in flight (its plaintext and its sealed
 * copy) are taken from the budget before the shard is submitted and given back once the sink
 * has it; an encoder that finds the budget spent hands its own oldest shards to its sink first,
 * and waits only when it has nothing in flight (so it holds nothing while it waits: no upload can
 * block another's progress by holding part of the budget). Uploads then wait, never exhaust the
 * heap. A single charge larger than the whole budget is clamped to it. The chunkers' read
 * buffers come from a second budget of the same size ({@link ChunkerBuffers}), reused across
 * encodes, so a node's upload memory is at most about twice the budget however many uploads run.
 *
 * <p>Thread-safe. Close it once no encoder uses it (the node closes it after the API server).
 */
public final class CodecPool implements AutoCloseable {
    /** Budget granularity: the semaphore counts KiB, so budgets beyond 2 GiB fit an int. */
    private static final int UNIT = 1024;
    /** Each pool thread's workspace, set for the thread's whole life by the pool's thread factory. */
    static final ThreadLocal<CodecWorkspace> WORKSPACE = new ThreadLocal<>();

    private final ExecutorService pool;
    private final int threads;
    private final Semaphore budget;
    private final int budgetUnits;
    private final ChunkerBuffers chunkerBuffers;

    /**
     * @param threads encode threads (one per core is the usual choice)
     * @param memoryBudget bytes all in-flight shards of all encoders may hold together
     */
    public CodecPool(int threads, long memoryBudget) {
        if (threads < 1 || memoryBudget < UNIT) {
            throw new IllegalArgumentException("threads must be >= 1 and the memory budget >= 1 KiB");
        }
        this.threads = threads;
        this.budgetUnits = (int) Math.min(Integer.MAX_VALUE, memoryBudget / UNIT);
        this.budget = new Semaphore(budgetUnits, true);
        this.chunkerBuffers = new ChunkerBuffers(memoryBudget);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, worker -> {
            Thread t = new Thread(() -> {
                try (CodecWorkspace workspace = new CodecWorkspace()) {
                    WORKSPACE.set(workspace);
                    worker.run();
                } finally {
                    WORKSPACE.remove();
                }
            }, "stoq-codec-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /** The whole budget in bytes. */
    public long memoryBudget() {
        return (long) budgetUnits * UNIT;
    }

    /** Budget bytes not taken right now (a snapshot, for tests and metrics). */
    public long memoryAvailable() {
        return (long) budget.availablePermits() * UNIT;
    }

    /** A chunker read buffer of at least {@code size} bytes, waiting while the chunkers' budget is lent out. */
    byte[] acquireChunkerBuffer(int size) throws InterruptedException {
        return chunkerBuffers.acquire(size);
    }

    /** Gives back a buffer from {@link #acquireChunkerBuffer}. */
    void releaseChunkerBuffer(byte[] buffer) {
        chunkerBuffers.release(buffer);
    }

    /** Bytes the chunkers' read buffers hold right now, lent or kept for reuse. */
    public long chunkerBufferBytes() {
        return chunkerBuffers.allocatedBytes();
    }

    /** Runs {@code task} on a codec thread (read-ahead of downloads, the encoders' shards). */
    public <T> Future<T> submit(Callable<T> task) {
        return pool.submit(task);
    }

    /**
     * Takes {@code bytes} of the budget if they are free now and nobody waits; returns the units
     * to give back with {@link #unreserve}, or -1. For callers that can do without (a download's
     * read-ahead reads on its own thread instead).
     */
    public int tryReserve(long bytes) {
        int units = units(bytes);
        return tryTake(units) ? units : -1;
    }

    /** Gives back what {@link #tryReserve} took. */
    public void unreserve(int units) {
        if (units > 0) {
            give(units);
        }
    }

    /** Runs {@code task} on a codec thread (the ordered plaintext hash lane uses this). */
    void execute(Runnable task) {
        pool.execute(task);
    }

    /** Units a charge of {@code bytes} takes: rounded up, at most the whole budget. */
    int units(long bytes) {
        return (int) Math.min(budgetUnits, Math.max(1, (bytes + UNIT - 1) / UNIT));
    }

    /** Takes {@code units} if they are free now and no earlier caller waits for budget. */
    boolean tryTake(int units) {
        try {
            return budget.tryAcquire(units, 0, TimeUnit.NANOSECONDS); // honours fairness, unlike tryAcquire(n)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits for {@code units} (FIFO among waiters). */
    void take(int units) throws InterruptedException {
        budget.acquire(units);
    }

    void give(int units) {
        budget.release(units);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
