package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.store.SealStore;
import io.stoq.shard.ShardException;
import io.stoq.shard.manifest.BatchSeal;
import io.stoq.shard.manifest.BatchSigner;
import io.stoq.shard.manifest.ManifestBody;
import io.stoq.shard.manifest.SignedManifest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals manifests after their ledger commit: an upload's tx names the hash of its manifest body
 * (stored durably before the tx), the upload is acknowledged once the block is durable, and this
 * sealer signs the bodies committed during the last interval with one SLH-DSA signature
 * ({@link BatchSigner}) and stores the seals beside them ({@link SealStore}). An upload no longer
 * waits for a ~36 ms signature; the node spends one signature per interval (or per
 * {@code maxBatch} bodies) whatever the upload rate.
 *
 * <pre>
 *   upload threads:  commit tx naming H(body) -> submit(body) -> queue (bounded in bytes; blocks when full)
 *   sealer thread:   wait for a first body -> until `interval` has passed since the oldest arrived,
 *                    or `maxBatch` are queued, or {@link #sealNow} -> one signature over the batch
 *                    -> one synced write of the batch's seals -> drop the batch from the queue
 * </pre>
 * A failed signature or write keeps the batch queued and tries again after the next interval.
 *
 * <p>Crash-only: {@link #close} does not sign what is queued. Those bodies are durable and named
 * by committed txs, reads check them against the ledger's hash meanwhile, and the next start
 * submits every committed body without a seal again ({@code NodeAssetService.sealUnsealed}), the
 * same path a kill -9 takes. So a stop costs no ~36 ms signature on the way down.
 *
 * <p>Threads: callers touch the queue only under {@code lock}; the sealer thread owns the batch
 * it signs (which stays in the queue, counted in the bound, until its seals are durable).
 */
public final class ManifestSealer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManifestSealer.class);

    private final BatchSigner signer;
    private final SealStore seals;
    private final long intervalNanos;
    private final int maxBatch;
    private final long maxQueuedBytes;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on a first body, a full batch, {@link #sealNow}, a sealed batch (room) and close. */
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Bodies queued or being sealed, so a body submitted twice (start-up rescan) is sealed once. */
    private final Set<Hash256> queued = new HashSet<>();
    private final Thread thread;
    private final AtomicLong signatures = new AtomicLong();
    private final AtomicLong sealed = new AtomicLong();
    private final AtomicLong largest = new AtomicLong();
    private long queuedBytes;
    private boolean now;
    private boolean closed;

    private record Pending(ManifestBody body, long arrived) {}

    /**
     * @param signer the node's SLH-DSA key
     * @param seals where seals are stored
     * @param interval longest a committed body waits for its seal while the sealer is free
     * @param maxBatch a batch this full is sealed at once (1..{@link BatchSeal#MAX_BATCH})
     * @param maxQueuedBytes bodies waiting for a seal hold at most this many bytes; {@link #submit} blocks beyond
     */
    public ManifestSealer(BatchSigner signer, SealStore seals, Duration interval, int maxBatch, long maxQueuedBytes) {
        if (interval.isNegative() || maxBatch < 1 || maxBatch > BatchSeal.MAX_BATCH || maxQueuedBytes < 1) {
            throw new IllegalArgumentException("interval must be >= 0, maxBatch 1.." + BatchSeal.MAX_BATCH + ", maxQueuedBytes > 0");
        }
        this.signer = signer;
        this.seals = seals;
        this.intervalNanos = interval.toNanos();
        this.maxBatch = maxBatch;
        this.maxQueuedBytes = maxQueuedBytes;
        this.thread = new Thread(this::run, "stoq-manifest-sealer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Queues a committed body for the next batch. Blocks while the queue holds its bound in bytes
     * (back-pressure on uploads, not unbounded memory); a body larger than the bound waits for an
     * empty queue. A body already queued is not queued again. Fails with
     * {@link NodeErrorCode#ILLEGAL_STATE} once closed (the body is then sealed at the next start).
     */
    public void submit(ManifestBody body) throws NodeException {
        lock.lock();
        try {
            while (!closed && queuedBytes > 0 && queuedBytes + body.length() > maxQueuedBytes) {
                changed.awaitUninterruptibly();
            }
            if (closed) {
                throw new NodeException(NodeErrorCode.ILLEGAL_STATE, "the manifest sealer is stopped; manifest "
                        + body.digest().toHex() + " is sealed when the node starts again");
            }
            if (!queued.add(body.digest())) {
                return;
            }
            queue.addLast(new Pending(body, System.nanoTime()));
            queuedBytes += body.length();
            if (queue.size() == 1 || queue.size() >= maxBatch) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Seals what is queued without waiting for the interval (tests, operators' tools). */
    public void sealNow() {
        lock.lock();
        try {
            now = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The stored seal of the body {@code body}, or empty while it is not sealed. Not verified. */
    public Optional<BatchSeal> sealOf(Hash256 body) throws NodeException {
        return seals.seal(body);
    }

    /** Where the seals are stored (tests and tools; readers use {@link #sealOf}). */
    public SealStore store() {
        return seals;
    }

    /**
     * What the sealer has done since start.
     *
     * @param signatures batch signatures made
     * @param manifests manifests sealed
     * @param largestBatch most manifests one signature covered
     * @param waiting bodies queued for the next batch right now
     */
    public record Stats(long signatures, long manifests, long largestBatch, int waiting) {}

    /** Signatures made and manifests sealed since start, and bodies waiting now. */
    public Stats stats() {
        int waiting;
        lock.lock();
        try {
            waiting = queue.size();
        } finally {
            lock.unlock();
        }
        return new Stats(signatures.get(), sealed.get(), largest.get(), waiting);
    }

    /** Bytes of bodies waiting for a seal now (at most the bound, or one body larger than it). */
    public long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            List<Pending> batch = take();
            if (batch == null) {
                return;
            }
            boolean ok = seal(batch);
            lock.lock();
            try {
                if (ok) {
                    for (int i = 0; i < batch.size(); i++) {
                        Pending p = queue.pollFirst();
                        queuedBytes -= p.body().length();
                        queued.remove(p.body().digest());
                    }
                    changed.signalAll(); // submitters blocked on the bound may go on
                } else {
                    // try again after an interval: restart the clock of the batch's oldest body
                    Pending first = queue.pollFirst();
                    queue.addFirst(new Pending(first.body(), System.nanoTime()));
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The next batch (the head of the queue, left in it), or null once closed. */
    private List<Pending> take() {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return null;
                }
                if (queue.isEmpty()) {
                    now = false;
                    changed.awaitUninterruptibly();
                    continue;
                }
                long wait = queue.peekFirst().arrived() + intervalNanos - System.nanoTime();
                if (wait > 0 && queue.size() < maxBatch && !now) {
                    try {
                        changed.awaitNanos(wait);
                    } catch (InterruptedException e) {
                        // nothing interrupts the sealer thread on purpose; go on
                    }
                    continue;
                }
                now = queue.size() > maxBatch && now; // a forced seal covers everything queued at the time
                List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
                for (Pending p : queue) {
                    if (batch.size() == maxBatch) {
                        break;
                    }
                    batch.add(p);
                }
                return batch;
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean seal(List<Pending> batch) {
        List<ManifestBody> bodies = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            bodies.add(p.body());
        }
        try {
            List<SignedManifest> signed = signer.sealBodies(bodies);
            List<SealStore.Sealed> out = new ArrayList<>(signed.size());
            for (int i = 0; i < signed.size(); i++) {
                out.add(new SealStore.Sealed(bodies.get(i).digest(), (BatchSeal) signed.get(i).signature()));
            }
            seals.put(out);
        } catch (ShardException | NodeException | RuntimeException e) {
            LOG.error("sealing {} manifests failed, trying again in {} ms: {}", batch.size(), intervalNanos / 1_000_000, e.getMessage());
            return false;
        }
        signatures.incrementAndGet();
        sealed.addAndGet(batch.size());
        largest.accumulateAndGet(batch.size(), Math::max);
        return true;
    }

    /**
     * Stops the sealer thread after the batch it is signing (if any) is stored; bodies still
     * queued stay unsealed until the next start (see the class comment). Idempotent.
     */
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
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
