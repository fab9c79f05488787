package io.stoq.shard.manifest;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Gathers manifests finished at about the same time into one SLH-DSA signature (group commit for
 * signatures). SLH-DSA-SHA2-128F costs ~36 ms a signature here, several times a small upload's
 * other work, so one signature per manifest would cap a node at ~28 uploads/s per core.
 *
 * <pre>
 *   caller threads:  sign(m) -> encode body, leaf hash -> enqueue -> wait for the batch
 *   signer threads:  wait for a first manifest
 *                    -> gather until `window` has passed since the oldest waiting one arrived,
 *                       or `maxBatch` are waiting (at once if the oldest waited that long already)
 *                    -> one signature over the batch's merkle root -> complete every waiter
 * </pre>
 * An upload waits at most the window plus one signature while a signer thread is free. While all
 * signer threads are busy signing, arrivals queue and go into the next batch together, so a busy
 * node makes fewer, larger batches: with one signer thread an arrival during a signature waits
 * for that signature to end, then its own (at most two signatures, the window having passed).
 *
 * <p>Threads: callers only touch the queue under {@code lock}; each signer thread owns the batch
 * it took. {@link #close} stops new calls, signs what is queued and joins the signer threads.
 */
public final class ManifestBatcher implements ManifestSigner, AutoCloseable {
    private final BatchSigner signer;
    private final long windowNanos;
    private final int maxBatch;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the queue gains its first item or reaches maxBatch, and on close. */
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong signatures = new AtomicLong();
    private final AtomicLong manifests = new AtomicLong();
    private final AtomicLong largest = new AtomicLong();
    private boolean closed;

    /**
     * What the batcher has done so far.
     *
     * @param signatures batches signed
     * @param manifests manifests sealed
     * @param largestBatch most manifests one signature covered
     * @param waiting manifests queued for the next batch right now
     */
    public record Stats(long signatures, long manifests, long largestBatch, int waiting) {}

    private record Pending(AssetManifest manifest, byte[] body, long arrived, CompletableFuture<SignedManifest> done) {}

    /**
     * @param key the SLH-DSA key that signs
     * @param window longest a batch waits for more manifests after its first arrived (0: none)
     * @param maxBatch a batch is signed as soon as it holds this many (1..{@link BatchSeal#MAX_BATCH})
     * @param signerThreads threads signing batches in parallel (1 uses the least CPU per manifest)
     */
    public ManifestBatcher(SigningKey key, Duration window, int maxBatch, int signerThreads) {
        if (window.isNegative() || maxBatch < 1 || maxBatch > BatchSeal.MAX_BATCH || signerThreads < 1 || signerThreads > 64) {
            throw new IllegalArgumentException("window must be >= 0, maxBatch 1.." + BatchSeal.MAX_BATCH + ", signerThreads 1..64");
        }
        this.signer = new BatchSigner(key);
        this.windowNanos = window.toNanos();
        this.maxBatch = maxBatch;
        for (int i = 0; i < signerThreads; i++) {
            Thread t = new Thread(this::run, "stoq-manifest-signer-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    @Override
    public VerifyingKey key() {
        return signer.key();
    }

    /**
     * Seals {@code manifest} in the next batch; blocks until that batch is signed. Fails with
     * {@link ShardErrorCode#INVALID_ARGUMENT} when the batcher is closed or signing failed, and
     * {@link ShardErrorCode#IO_ERROR} when the waiting thread is interrupted.
     */
    @Override
    public SignedManifest sign(AssetManifest manifest) throws ShardException {
        byte[] body = ManifestCodec.encodeBody(manifest);
        Pending p = new Pending(manifest, body, System.nanoTime(), new CompletableFuture<>());
        lock.lock();
        try {
            if (closed) {
                throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "the manifest signer is closed");
            }
            queue.addLast(p);
            if (queue.size() == 1 || queue.size() >= maxBatch) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        try {
            return p.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardException(ShardErrorCode.IO_ERROR, "interrupted while waiting for the manifest signature");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ShardException s) {
                throw new ShardException(s.code(), s.getMessage(), s);
            }
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "signing the manifest batch failed: " + e.getCause(), e.getCause());
        }
    }

    /** Signatures made and manifests sealed so far. */
    public Stats stats() {
        int waiting;
        lock.lock();
        try {
            waiting = queue.size();
        } finally {
            lock.unlock();
        }
        return new Stats(signatures.get(), manifests.get(), largest.get(), waiting);
    }

    private void run() {
        while (true) {
            List<Pending> batch;
            try {
                batch = take();
            } catch (InterruptedException e) {
                continue; // nothing here interrupts signer threads; keep serving the waiters
            }
            if (batch == null) {
                return;
            }
            sign(batch);
        }
    }

    /** The next batch, or null once closed and drained. */
    private List<Pending> take() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (queue.isEmpty()) {
                    if (closed) {
                        return null;
                    }
                    changed.await();
                    continue;
                }
                long wait = queue.peekFirst().arrived() + windowNanos - System.nanoTime();
                if (wait > 0 && queue.size() < maxBatch && !closed) {
                    changed.awaitNanos(wait);
                    continue; // another signer thread may have taken the batch meanwhile
                }
                List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
                while (!queue.isEmpty() && batch.size() < maxBatch) {
                    batch.add(queue.pollFirst());
                }
                if (!queue.isEmpty()) {
                    changed.signalAll(); // a free signer thread may start on the rest
                }
                return batch;
            }
        } finally {
            lock.unlock();
        }
    }

    private void sign(List<Pending> batch) {
        List<AssetManifest> ms = new ArrayList<>(batch.size());
        List<byte[]> bodies = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            ms.add(p.manifest());
            bodies.add(p.body());
        }
        try {
            List<SignedManifest> signed = signer.signBodies(ms, bodies);
            signatures.incrementAndGet();
            manifests.addAndGet(batch.size());
            largest.accumulateAndGet(batch.size(), Math::max);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(signed.get(i));
            }
        } catch (ShardException | RuntimeException | Error e) {
            // Every waiter gets an answer, even on an Error: a signer thread that died silently
            // would leave uploads waiting forever. The thread then goes on with the next batch.
            for (Pending p : batch) {
                p.done().completeExceptionally(e);
            }
        }
    }

    /** Refuses new manifests, signs the queued ones and waits for the signer threads to finish. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
