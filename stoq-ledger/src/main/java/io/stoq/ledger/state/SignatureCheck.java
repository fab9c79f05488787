package io.stoq.ledger.state;

import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.ledger.block.ChainFormat;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The signature checks of one batch (the stateless part of validation), shared out between the
 * ledger's verifier threads and the thread that needs the result. {@link #start} hands the batch to
 * the verifier threads at once; {@link #await} makes the caller check signatures too, in small
 * chunks claimed from the same counter, until none are left, and then waits for the chunks still
 * running elsewhere.
 *
 * <p>Why not a parallel stream on the common pool: on a machine with two cores the common pool
 * has one thread, so a batch started ahead of time (the next block's, while the current one
 * commits) ran on one core, and the committer, once done, sat in {@code join()} instead of
 * helping. Here every core verifies whenever the committer has nothing else to do, and the
 * outcome is the same array of booleans in the same order (each check is a pure function of its
 * tx and the network).
 *
 * <p>A signer's txs batched under one signature (tx format 3) are verified once per check, so a
 * node applying another's block, and {@code stoq ledger verify}, pay one ML-DSA verification per
 * signer per block rather than one per tx.
 *
 * <p>Thread-safe: each index is claimed once; results become visible to {@link #await} through
 * the completion counter.
 */
public final class SignatureCheck {
    /** Txs claimed per step: small enough to balance two cores, large enough to keep the counter cold. */
    private static final int CHUNK = 4;

    private final NetworkId network;
    private final ChainFormat format;
    private final List<Transaction> txs;
    private final boolean[] ok;
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();
    private final CountDownLatch allDone = new CountDownLatch(1);
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final ConcurrentHashMap<BatchSignature, Boolean> batchVerdicts = new ConcurrentHashMap<>();
    private final AtomicInteger verifications = new AtomicInteger();

    private SignatureCheck(NetworkId network, ChainFormat format, List<Transaction> txs) {
        this.network = network;
        this.format = format;
        this.txs = txs;
        this.ok = new boolean[txs.size()];
        if (txs.isEmpty()) {
            allDone.countDown();
        }
    }

    /**
     * Starts checking {@code txs} for {@code network}, in a block of {@code format} (whose merkle
     * leaves are computed on the same pass where they cost a hash of the tx): with {@code parallel}
     * on the verifier threads right away, otherwise only when {@link #await} is called (on the
     * caller's thread alone).
     */
    public static SignatureCheck start(NetworkId network, ChainFormat format, List<Transaction> txs, boolean parallel) {
        SignatureCheck check = new SignatureCheck(network, format, txs);
        if (parallel && txs.size() > CHUNK) {
            int tasks = Math.min(Verifiers.THREADS, (txs.size() + CHUNK - 1) / CHUNK);
            for (int i = 0; i < tasks; i++) {
                Verifiers.POOL.execute(check::work);
            }
        }
        return check;
    }

    /**
     * The result, one flag per tx in order: true when its signature verifies for the network. The
     * calling thread checks unclaimed txs itself before it waits.
     */
    public boolean[] await() {
        work();
        boolean interrupted = false;
        while (true) {
            try {
                allDone.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the chunks in flight finish soon; the result is still owed
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        RuntimeException e = failure.get();
        if (e != null) {
            throw e;
        }
        return ok;
    }

    private void work() {
        int n = txs.size();
        int from;
        while ((from = nextIndex.getAndAdd(CHUNK)) < n) {
            int to = Math.min(n, from + CHUNK);
            try {
                for (int i = from; i < to; i++) {
                    check(i);
                }
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            } finally {
                if (finished.addAndGet(to - from) == n) {
                    allDone.countDown();
                }
            }
        }
    }

    /** One tx; a method of its own so the JIT compiles it per call, not only once the loop's back edges add up. */
    private void check(int i) {
        Transaction tx = txs.get(i);
        if (tx.batchSigned() && !tx.signedHere(network)) {
            // The txs of one signer's batch (tx format 3) carry one signature over one payload:
            // verify it once for all of them. The verdict is a pure function of the key, the
            // payload (which names the batch's root) and the signature, all in the memo's key.
            ok[i] = batchVerdicts.computeIfAbsent(BatchSignature.of(tx, network), k -> verify(tx));
        } else {
            ok[i] = tx.signedHere(network) || verify(tx);
        }
        format.warmLeaf(tx); // the block's merkle root needs it next, on the committing thread
    }

    private boolean verify(Transaction tx) {
        verifications.incrementAndGet();
        return tx.signatureValid(network);
    }

    /** Signature verifications this check ran (a batch's siblings share one); for tests and benchmarks. */
    public int verifications() {
        return verifications.get();
    }

    /** What a batch tx's verification depends on, compared byte for byte. */
    private record BatchSignature(SignatureAlgorithm algorithm, byte[] spki, byte[] payload, byte[] signature) {
        static BatchSignature of(Transaction tx, NetworkId network) {
            return new BatchSignature(tx.algorithm(), tx.signerSpki(), tx.signingPayload(network), tx.signature());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BatchSignature b && algorithm == b.algorithm && Arrays.equals(payload, b.payload)
                    && Arrays.equals(signature, b.signature) && Arrays.equals(spki, b.spki);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(payload); // the payload names the batch's root
        }

        @Override
        public String toString() {
            return "BatchSignature[" + algorithm + ", " + payload.length + "-byte payload]";
        }
    }

    /** The verifier threads: one per core, daemons, shared by every ledger of the process. */
    private static final class Verifiers {
        static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
        static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "stoq-ledger-verify");
            t.setDaemon(true);
            return t;
        });
    }
}
