package io.stoq.consensus;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.validate.RejectReason;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's block builder: txs submitted on this node or forwarded to it wait in a queue; one
 * thread gathers them for {@code blockInterval} (or until a block is full), builds a block over
 * the ledger's head plus the blocks it proposed that are not applied yet ({@link Ledger#build}),
 * signs it with this node's Falcon key and proposes it as one Raft log entry, in order.
 *
 * <p>A tx's outcome is decided only when a block is applied ({@link #applied}, called by the
 * state machine on every replica, this one included):
 *
 * <pre>
 *   queued --build--> rejected by validation (REJECTED; REPLAY of a committed tx: COMMITTED at its height)
 *      |                   \--> nonce used only by a block not applied yet: RETRY
 *      \--build--> inflight --its block appended--------------------> COMMITTED at that height
 *                          \--its block refused, or another block
 *                             took its height--------------------------> RETRY (certainly not committed)
 *                          \--nothing decided within submitTimeout---> TIMEOUT (in doubt)
 * </pre>
 *
 * A node that is not the leader when a batch is due answers RETRY for it (nothing was proposed).
 * One future per tx id: a tx submitted again while it waits shares the first submission's outcome.
 *
 * <p>Threads: {@link #submit} from any thread; the builder thread owns {@code tip}; {@link #applied}
 * runs on Ratis's apply thread. The maps are concurrent; {@code resetTip} hands over the one fact
 * the apply thread must tell the builder (its chain of proposals is dead).
 */
final class BlockProposer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlockProposer.class);

    /**
     * Encoded tx bytes in one block at most. A block is one Raft log entry, and a leader refuses to
     * append an entry larger than Ratis's appender buffer ({@link RaftLedger#LOG_ENTRY_LIMIT}) and
     * steps down; the next leader would build the same block from the same queue and step down in
     * turn. With ML-DSA-65 txs of ~4.2 KB this is ~1,000 txs, below {@code raft.max-block-txs}'s
     * default of 2,000, so a busy leader hit it.
     */
    static final int MAX_BLOCK_TX_BYTES = 4 << 20;

    /** The state machine's current ledger (replaced when a snapshot is installed). */
    private final Supplier<Ledger> ledger;
    private final SigningKey key;
    private final RaftLedgerConfig config;
    private final Clock clock;
    private final BooleanSupplier leaderReady;
    private final BooleanSupplier leader;
    private final Function<Block, CompletableFuture<?>> propose;
    private final java.util.function.LongSupplier term;
    private final LinkedBlockingDeque<Transaction> queue = new LinkedBlockingDeque<>();
    private final AtomicInteger queued = new AtomicInteger();
    /** Every tx not decided yet, by id: queued or in a proposed block. */
    private final Map<Hash256, CompletableFuture<TxOutcome>> waiting = new ConcurrentHashMap<>();
    /** Proposed blocks not applied yet, by block hash. */
    private final Map<Hash256, Inflight> inflight = new ConcurrentHashMap<>();
    private final Semaphore inflightPermits;
    private final AtomicBoolean resetTip = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    /** Builder thread only: the last block proposed, which the next one follows; null to build on the head. */
    private Ledger.Proposal tip;

    /**
     * A proposed block: its proposal (for the leader's own fast append), when it was proposed, and
     * the leader's term read just after it was handed to the log (at least the term of its entry).
     */
    private record Inflight(Ledger.Proposal proposal, long proposedNanos, long term) {}

    BlockProposer(Supplier<Ledger> ledger, SigningKey key, RaftLedgerConfig config, Clock clock, BooleanSupplier leader,
            BooleanSupplier leaderReady, Function<Block, CompletableFuture<?>> propose, java.util.function.LongSupplier term) {
        this.ledger = ledger;
        this.key = key;
        this.config = config;
        this.clock = clock;
        this.leader = leader;
        this.leaderReady = leaderReady;
        this.propose = propose;
        this.term = term;
        this.inflightPermits = new Semaphore(config.maxInflightBlocks());
        this.thread = new Thread(this::run, "stoq-raft-proposer-" + config.self());
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code txs} for the next block; the future holds one outcome per tx, in order. */
    CompletableFuture<List<TxOutcome>> submit(List<Transaction> txs) {
        List<CompletableFuture<TxOutcome>> futures = new ArrayList<>(txs.size());
        for (Transaction tx : txs) {
            if (!running.get()) {
                return CompletableFuture.failedFuture(new ConsensusException(ConsensusErrorCode.CLOSED, "the Raft ledger is closed"));
            }
            boolean[] fresh = {false};
            CompletableFuture<TxOutcome> f = waiting.computeIfAbsent(tx.id(), id -> {
                fresh[0] = true;
                return new CompletableFuture<>();
            });
            if (fresh[0]) {
                if (queued.incrementAndGet() > config.maxQueuedTxs()) {
                    queued.decrementAndGet();
                    waiting.remove(tx.id(), f);
                    f.completeExceptionally(new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "the leader already holds "
                            + config.maxQueuedTxs() + " txs waiting for a block; submit again later"));
                } else {
                    queue.add(tx);
                }
            }
            futures.add(f);
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

    /** The block this node proposed with {@code hash}, if it is still waiting to be applied. */
    Ledger.Proposal proposal(Hash256 hash) {
        Inflight f = inflight.get(hash);
        return f == null ? null : f.proposal();
    }

    /** Leadership moved (to or from this node): whatever chain of proposals there was, build the next block on the head. */
    void leaderChanged() {
        resetTip.set(true);
    }

    /**
     * Called by the state machine after it decided a block (on every replica, in log order):
     * settles the txs of this node's proposals that the decision settles.
     */
    void applied(Block block, Hash256 hash, boolean appended, String refusal) {
        Inflight own = inflight.remove(hash);
        if (own != null) {
            inflightPermits.release();
            for (Transaction tx : block.txs()) {
                settle(tx.id(), appended ? TxOutcome.committed(tx.id(), block.header().height())
                        : TxOutcome.retry(tx.id(), "its block " + block.header().height() + " was refused: " + refusal));
            }
            if (!appended) {
                resetTip.set(true);
            }
        }
        if (appended) {
            long height = block.header().height();
            for (Iterator<Map.Entry<Hash256, Inflight>> it = inflight.entrySet().iterator(); it.hasNext();) {
                Map.Entry<Hash256, Inflight> e = it.next();
                Ledger.Proposal lost = e.getValue().proposal();
                if (lost.header().height() <= height) {
                    it.remove();
                    inflightPermits.release();
                    resetTip.set(true);
                    for (Transaction tx : lost.block().txs()) {
                        settle(tx.id(), TxOutcome.retry(tx.id(), "another block took height " + lost.header().height()));
                    }
                }
            }
        }
    }

    /**
     * The apply thread reached a log entry of {@code applied} term. Terms never decrease along the
     * log, so a block this node proposed in an earlier term and not applied by now was never
     * committed and never will be: its txs are to be retried.
     */
    void termApplied(long applied) {
        for (Iterator<Map.Entry<Hash256, Inflight>> it = inflight.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Hash256, Inflight> e = it.next();
            if (e.getValue().term() < applied) {
                it.remove();
                inflightPermits.release();
                resetTip.set(true);
                Ledger.Proposal lost = e.getValue().proposal();
                for (Transaction tx : lost.block().txs()) {
                    settle(tx.id(), TxOutcome.retry(tx.id(), "block " + lost.header().height() + " was proposed in term "
                            + e.getValue().term() + ", which ended before it committed"));
                }
            }
        }
    }

    private void settle(Hash256 id, TxOutcome outcome) {
        CompletableFuture<TxOutcome> f = waiting.remove(id);
        if (f != null) {
            f.complete(outcome);
        }
    }

    private void fail(Hash256 id, Throwable t) {
        CompletableFuture<TxOutcome> f = waiting.remove(id);
        if (f != null) {
            f.completeExceptionally(t);
        }
    }

    private void run() {
        while (running.get()) {
            try {
                expireInflight();
                Transaction first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Transaction> batch = gather(first);
                if (!leader.getAsBoolean()) {
                    for (Transaction tx : batch) {
                        settle(tx.id(), TxOutcome.retry(tx.id(), "node " + config.self() + " is not the leader"));
                    }
                    continue;
                }
                while (running.get() && leader.getAsBoolean() && !leaderReady.getAsBoolean()) {
                    Thread.sleep(5); // a new leader first applies what earlier terms committed
                }
                while (running.get() && !inflightPermits.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    expireInflight();
                }
                if (!running.get()) {
                    break;
                }
                if (!build(batch)) {
                    inflightPermits.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.error("block proposer of {} failed; it goes on with the next batch", config.self(), e);
            }
        }
    }

    /**
     * Takes {@code first} and whatever else arrives within the block interval, up to a full block
     * by count ({@code raft.max-block-txs}) or by bytes ({@link #MAX_BLOCK_TX_BYTES}); a tx that
     * does not fit goes back to the head of the queue for the next block.
     */
    private List<Transaction> gather(Transaction first) throws InterruptedException {
        List<Transaction> batch = new ArrayList<>();
        batch.add(first);
        long bytes = first.size();
        long deadline = System.nanoTime() + config.blockInterval().toNanos();
        while (batch.size() < config.maxBlockTxs()) {
            long left = deadline - System.nanoTime();
            Transaction next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            if (bytes + next.size() > MAX_BLOCK_TX_BYTES) {
                queue.offerFirst(next); // this thread is the only taker, so the order holds
                break;
            }
            bytes += next.size();
            batch.add(next);
        }
        queued.addAndGet(-batch.size());
        return batch;
    }

    /** Builds and proposes one block of {@code batch}; false when nothing was proposed. */
    private boolean build(List<Transaction> batch) {
        if (resetTip.getAndSet(false)) {
            tip = null;
        }
        Ledger.Proposal p;
        try {
            try {
                p = ledger.get().build(batch, clock.instant(), key, tip);
            } catch (LedgerException e) {
                if (e.code() != LedgerErrorCode.CONFLICT || tip == null) {
                    throw e;
                }
                tip = null; // the head moved past our chain: start again from it
                p = ledger.get().build(batch, clock.instant(), key, null);
            }
        } catch (LedgerException e) {
            ConsensusException failure = new ConsensusException(ConsensusErrorCode.LEDGER_FAILURE,
                    "cannot build a block on node " + config.self() + ": " + e.getMessage(), e);
            batch.forEach(tx -> fail(tx.id(), failure));
            return false;
        }
        for (StateMachine.Rejection r : p.rejected()) {
            settle(r.tx().id(), judge(r));
        }
        if (p.block().txs().isEmpty()) {
            return false;
        }
        Ledger.Proposal built = p;
        Hash256 hash = built.header().hash();
        inflight.put(hash, new Inflight(built, System.nanoTime(), Long.MAX_VALUE));
        tip = built;
        CompletableFuture<?> sent = propose.apply(built.block());
        inflight.computeIfPresent(hash, (h, f) -> new Inflight(f.proposal(), f.proposedNanos(), term.getAsLong()));
        sent.whenComplete((reply, error) -> {
            if (error != null) {
                // Not in the log (or in doubt): the next block starts from the head; this one's txs
                // are settled when a block takes its height, or time out.
                LOG.debug("proposing block {} from {} failed: {}", built.header().height(), config.self(), error.toString());
                resetTip.set(true);
            }
        });
        return true;
    }

    /**
     * The outcome of a tx validation refused while building. A REPLAY is final only against the
     * committed state: if the tx itself is committed it is that tx's success; if the nonce is used
     * only by a block this leader proposed and nobody applied yet, that block may still lose, so
     * the tx is to be retried.
     */
    private TxOutcome judge(StateMachine.Rejection r) {
        Hash256 id = r.tx().id();
        if (r.reason() == RejectReason.REPLAY) {
            try {
                StoredTx stored = ledger.get().store().tx(id);
                if (stored != null) {
                    return TxOutcome.committed(id, stored.height());
                }
                if (r.tx().nonce() > ledger.get().state().nonce(r.tx().signer())) {
                    return TxOutcome.retry(id, "nonce " + r.tx().nonce() + " of its signer is in a block not committed yet");
                }
            } catch (LedgerException e) {
                return TxOutcome.retry(id, "cannot read the ledger to judge a replay: " + e.getMessage());
            }
        }
        return TxOutcome.rejected(id, r.reason(), r.message());
    }

    /** Blocks that nothing decided within the submit timeout: their txs' outcome is unknown. */
    private void expireInflight() {
        long limit = System.nanoTime() - config.submitTimeout().toNanos();
        for (Iterator<Map.Entry<Hash256, Inflight>> it = inflight.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Hash256, Inflight> e = it.next();
            if (e.getValue().proposedNanos() < limit) {
                it.remove();
                inflightPermits.release();
                resetTip.set(true);
                ConsensusException t = new ConsensusException(ConsensusErrorCode.TIMEOUT, "block " + e.getValue().proposal().header().height()
                        + " proposed by " + config.self() + " was neither committed nor lost within " + config.submitTimeout());
                e.getValue().proposal().block().txs().forEach(tx -> fail(tx.id(), t));
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ConsensusException closed = new ConsensusException(ConsensusErrorCode.CLOSED, "the Raft ledger of " + config.self()
                + " closed before the tx was decided");
        for (Hash256 id : List.copyOf(waiting.keySet())) {
            fail(id, closed);
        }
    }
}
