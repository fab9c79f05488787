package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.node.NodeException;
import io.stoq.node.store.ShardStore;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shard writes of one upload, several at a time: each shard's write ends with an fsync of the
 * file and of its directory, which on a busy disk costs milliseconds, so an upload that wrote its
 * shards one after the other on the request thread waited for every fsync in turn (a 32 MiB file
 * has about 256 shards). Up to {@value #PER_UPLOAD} writes of one upload run at once on a shared
 * I/O pool; {@link #finish} waits for all of them, so the manifest is stored, and the version
 * committed, only after every shard is durable, as before.
 *
 * <p>Memory: at most {@value #PER_UPLOAD} sealed shards per upload wait here (the submitting
 * thread blocks beyond that). The pool's threads are daemons that end after a minute idle.
 *
 * <p>Used by one upload thread ({@link #submit}, {@link #finish}, {@link #abort}); the pool
 * threads only run the writes.
 */
final class ShardWrites {
    static final int PER_UPLOAD = 4;
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Shared by all uploads: a thread per concurrent write, idle ones end after a minute. */
    private static final ThreadPoolExecutor IO = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "stoq-shard-write-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private final ShardStore store;
    private final Semaphore slots = new Semaphore(PER_UPLOAD);
    private final List<Hash256> written = new ArrayList<>();
    private NodeException failure;

    ShardWrites(ShardStore store) {
        this.store = store;
    }

    /** Starts writing a shard the pipeline sealed and hashed; waits while {@value #PER_UPLOAD} are being written. */
    void submit(Hash256 hash, byte[] bytes) throws NodeException, InterruptedIOException {
        rethrow();
        acquire(1);
        IO.execute(() -> {
            try {
                boolean fresh = !store.putTrusted(hash, bytes).alreadyPresent();
                synchronized (this) {
                    if (fresh) {
                        written.add(hash);
                    }
                }
            } catch (NodeException e) {
                synchronized (this) {
                    if (failure == null) {
                        failure = e;
                    }
                }
            } finally {
                slots.release();
            }
        });
    }

    /** Waits for every write; throws the first failure. Returns what this upload added to the store. */
    List<Hash256> finish() throws NodeException, InterruptedIOException {
        acquire(PER_UPLOAD);
        slots.release(PER_UPLOAD);
        rethrow();
        return written();
    }

    /** After a failure elsewhere: waits for the writes under way (so none lands after a discard) and returns what was added. */
    List<Hash256> abort() {
        slots.acquireUninterruptibly(PER_UPLOAD);
        slots.release(PER_UPLOAD);
        return written();
    }

    private synchronized List<Hash256> written() {
        return new ArrayList<>(written);
    }

    private synchronized void rethrow() throws NodeException {
        if (failure != null) {
            throw failure;
        }
    }

    private void acquire(int n) throws InterruptedIOException {
        try {
            slots.acquire(n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing shards");
        }
    }
}
