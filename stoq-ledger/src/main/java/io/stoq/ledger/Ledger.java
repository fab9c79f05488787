package io.stoq.ledger;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.SignatureCheck;
import io.stoq.ledger.state.StateHash;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.state.StateOverlay;
import io.stoq.ledger.state.StateView;
import io.stoq.ledger.store.Head;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.verify.BlockRules;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The ledger as a writer sees it: a {@link LedgerStore} plus the head block and state hash in
 * memory. {@link #commit} is what a proposer (later: the Raft leader's state machine) calls with an
 * ordered batch; {@link #append} is what a follower calls with a block made elsewhere.
 *
 * <p>Single writer: one thread calls {@link #commit}/{@link #append}; reads of the store may run
 * concurrently. Closing closes the store.
 */
public final class Ledger implements AutoCloseable {
    private final LedgerStore store;
    /** The network of the committed genesis; null before genesis. */
    private NetworkId network;
    private BlockHeader head;
    private StateHash stateHash;
    private boolean parallelSignatures;
    /** Writer thread only: nanoseconds spent per commit step so far (see {@link #timings}). */
    private long blocksTimed;
    private long waitNanos;
    private long applyNanos;
    private long signNanos;
    private long storeNanos;
    private final List<AppliedListener> appliedListeners = new CopyOnWriteArrayList<>();

    private Ledger(LedgerStore store) throws LedgerException {
        this.store = store;
        Head h = store.head();
        if (h == null) {
            this.head = null;
            this.stateHash = new StateHash();
        } else {
            this.head = store.header(h.height());
            if (!head.hash().equals(h.blockHash())) {
                throw new LedgerException(LedgerErrorCode.CORRUPT, "head record does not match block " + h.height());
            }
            this.stateHash = StateHash.fromBytes(h.stateHash());
            this.network = StateMachine.networkOf(store, List.of());
        }
    }

    /** Opens or creates the ledger in {@code dir}. */
    public static Ledger open(Path dir) throws LedgerException {
        LedgerStore store = LedgerStore.open(dir);
        try {
            return new Ledger(store);
        } catch (LedgerException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Checks signatures of a batch on the common fork-join pool before applying it in order. */
    public Ledger parallelSignatures(boolean on) {
        this.parallelSignatures = on;
        return this;
    }

    /** What one commit did: the block written and the txs validation refused. */
    public record CommitResult(Block block, List<StateMachine.Rejection> rejected) {
        public BlockHeader header() {
            return block.header();
        }
    }

    /**
     * Where the writer's time went, summed over every block committed through this instance:
     * waiting for (and helping with) the block's signature checks, applying it (validation, state
     * machine, state root), signing its header, and the synced write. For {@code stoq bench
     * ledger}; read it from the writer thread.
     */
    public record Timings(long blocks, Duration signatureChecks, Duration apply, Duration headerSignature,
            Duration syncedWrite) {
        /** This minus {@code earlier}: the steps of the blocks committed in between. */
        public Timings since(Timings earlier) {
            return new Timings(blocks - earlier.blocks, signatureChecks.minus(earlier.signatureChecks), apply.minus(earlier.apply),
                    headerSignature.minus(earlier.headerSignature), syncedWrite.minus(earlier.syncedWrite));
        }
    }

    public Timings timings() {
        return new Timings(blocksTimed, Duration.ofNanos(waitNanos), Duration.ofNanos(applyNanos),
                Duration.ofNanos(signNanos), Duration.ofNanos(storeNanos));
    }

    /** Creates block 0 with one GENESIS tx signed (nonce 1) and proposed by {@code admin}. */
    public CommitResult genesis(SigningKey admin, String network, List<byte[]> adminSpkis, byte[] rootCertDer, Instant time)
            throws LedgerException {
        if (head != null) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "ledger already has a genesis block");
        }
        Transaction tx;
        try {
            TxBody.Genesis body = new TxBody.Genesis(network, adminSpkis, rootCertDer);
            tx = Transaction.sign(NetworkId.of(body), admin, 1, body);
        } catch (CryptoException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot sign genesis: " + e.getMessage(), e);
        }
        CommitResult result = commit(List.of(tx), time, admin);
        if (!result.rejected().isEmpty()) {
            throw new LedgerException(LedgerErrorCode.REJECTED, "genesis rejected: " + result.rejected().get(0).message());
        }
        return result;
    }

    /**
     * Applies {@code txs} in order, builds a block of the accepted ones, signs it with
     * {@code proposer} and commits it durably. Rejected txs change nothing and come back with their
     * reasons. {@code time} is clamped to be no earlier than the previous block's.
     */
    public CommitResult commit(List<Transaction> txs, Instant time, SigningKey proposer) throws LedgerException {
        checkSize(txs);
        long t0 = System.nanoTime();
        boolean[] checked = StateMachine.checkSignatures(networkFor(txs), txs, parallelSignatures);
        waitNanos += System.nanoTime() - t0;
        return commitChecked(txs, checked, time, proposer);
    }

    /**
     * Commits {@code batches} in order, one block each, as {@link #commit} would, but pipelined in
     * three stages that run at the same time:
     * <pre>
     *   verifier threads:  signatures of the next {@value #LOOKAHEAD} batches ({@link SignatureCheck})
     *   this thread:       apply batch i over the committed state plus the blocks not yet written,
     *                      sign its header (it needs block i-1's hash, known once i-1 is signed)
     *   block writer:      the synced write of block i-1, i-2, ... in order
     * </pre>
     * so a block's fsync no longer holds up the next block's state machine, and the verifier
     * threads keep both cores busy while either waits. This thread checks signatures too when it
     * would otherwise wait. The blocks, state roots and results are identical to committing the
     * batches one by one (DeterminismTest); the call returns after every block is durable, and a
     * failed write stops it: blocks before the failure are committed, none after.
     */
    public List<CommitResult> commitAll(List<List<Transaction>> batches, Supplier<Instant> time, SigningKey proposer)
            throws LedgerException {
        for (List<Transaction> batch : batches) {
            checkSize(batch);
        }
        List<CommitResult> results = new ArrayList<>(batches.size());
        if (batches.isEmpty()) {
            return results;
        }
        // Every batch is for the network of the first one (a leading genesis founds it).
        NetworkId id = networkFor(batches.get(0));
        if (id == null) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "the ledger has no genesis yet: block 0 must hold the GENESIS tx");
        }
        ArrayDeque<SignatureCheck> checks = new ArrayDeque<>();
        int started = 0;
        PendingState pending = new PendingState(store);
        ArrayDeque<Writing> writes = new ArrayDeque<>();
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stoq-ledger-block-writer");
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean failed = new AtomicBoolean();
        BlockHeader prev = head;
        StateHash prevHash = stateHash;
        try {
            for (int i = 0; i < batches.size(); i++) {
                while (started < batches.size() && started <= i + LOOKAHEAD) {
                    checks.add(SignatureCheck.start(id, batches.get(started++), parallelSignatures));
                }
                long t0 = System.nanoTime();
                boolean[] checked = checks.poll().await(); // this thread helps with whatever is left of it
                waitNanos += System.nanoTime() - t0;
                Prepared p = prepare(batches.get(i), checked, time.get(), proposer, id, pending, prev, prevHash);
                pending.add(p.outcome().writes().writes());
                writes.add(new Writing(p, writer.submit(() -> {
                    if (failed.get()) {
                        throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "an earlier block of the batch failed to commit");
                    }
                    long w0 = System.nanoTime();
                    try {
                        write(p);
                    } catch (LedgerException | RuntimeException e) {
                        failed.set(true);
                        throw e;
                    }
                    pending.written();
                    return System.nanoTime() - w0;
                })));
                results.add(p.result());
                prev = p.block().header();
                prevHash = p.outcome().stateHash();
                while (writes.size() > LOOKAHEAD || (!writes.isEmpty() && writes.peek().done().isDone())) {
                    settle(writes.poll(), id);
                }
            }
            while (!writes.isEmpty()) {
                settle(writes.poll(), id);
            }
            return results;
        } finally {
            // Left here only when something failed: the head must still follow every block that
            // was written, and no write may still run when this returns.
            boolean settling = true;
            for (Writing w : writes) {
                if (settling) {
                    try {
                        settle(w, id);
                        continue;
                    } catch (LedgerException e) {
                        settling = false; // the first failure is what the caller sees
                    }
                }
                try {
                    w.done().get();
                } catch (ExecutionException | InterruptedException e) {
                    // refused after the earlier failure
                }
            }
            writer.shutdown();
        }
    }

    /** How many batches ahead signatures are checked and blocks may wait for their write. */
    private static final int LOOKAHEAD = 4;

    /** A block handed to the block writer, and its write (which returns the nanoseconds it took). */
    private record Writing(Prepared block, Future<Long> done) {}

    /** Waits for one block's synced write; once it is durable the block becomes this ledger's head. */
    private void settle(Writing w, NetworkId id) throws LedgerException {
        CommitResult written = w.block().result();
        try {
            storeNanos += w.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "interrupted while block " + written.header().height() + " was written");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof LedgerException l) {
                throw l;
            }
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot commit block " + written.header().height() + ": "
                    + e.getCause(), e.getCause());
        }
        blocksTimed++;
        head = written.header();
        stateHash = w.block().outcome().stateHash();
        network = id;
        applied(written.block());
    }

    /**
     * The committed state seen through the writes of blocks that were applied but are not written
     * yet, newest first: what the next block applies over while earlier ones are being fsynced. A
     * block's writes leave the view only after they are in the store, so a read sees each key's
     * latest value either here or there. Read by the applying thread; the writer drops the oldest.
     */
    private static final class PendingState implements StateView {
        private final StateView committed;
        private final ConcurrentLinkedDeque<Map<byte[], byte[]>> blocks = new ConcurrentLinkedDeque<>();

        PendingState(StateView committed) {
            this.committed = committed;
        }

        void add(Map<byte[], byte[]> writes) {
            blocks.addFirst(writes);
        }

        /** The oldest pending block is in the store now. */
        void written() {
            blocks.pollLast();
        }

        @Override
        public byte[] get(byte[] key) throws LedgerException {
            for (Map<byte[], byte[]> writes : blocks) {
                if (writes.containsKey(key)) {
                    byte[] v = writes.get(key);
                    return v == null ? null : v.clone();
                }
            }
            return committed.get(key);
        }
    }

    /** The network {@code txs} are signed for: this ledger's, or before genesis the one a leading GENESIS tx founds. */
    private NetworkId networkFor(List<Transaction> txs) throws LedgerException {
        return network != null ? network : StateMachine.networkOf(StateView.empty(), txs);
    }

    private static void checkSize(List<Transaction> txs) throws LedgerException {
        if (txs.size() > io.stoq.ledger.tx.Limits.MAX_BLOCK_TXS) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, "a block holds at most " + io.stoq.ledger.tx.Limits.MAX_BLOCK_TXS
                    + " txs, got " + txs.size());
        }
    }

    private CommitResult commitChecked(List<Transaction> txs, boolean[] signatureOk, Instant time, SigningKey proposer)
            throws LedgerException {
        NetworkId id = networkFor(txs);
        if (id == null) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "the ledger has no genesis yet: block 0 must hold the GENESIS tx");
        }
        Prepared p = prepare(txs, signatureOk, time, proposer, id, store, head, stateHash);
        long t0 = System.nanoTime();
        write(p);
        storeNanos += System.nanoTime() - t0;
        blocksTimed++;
        head = p.block().header();
        stateHash = p.outcome().stateHash();
        network = id;
        applied(p.block());
        return p.result();
    }

    /** A block applied and signed, not yet written. */
    private record Prepared(Block block, StateMachine.Outcome outcome, CommitResult result) {}

    /** Applies {@code txs} over {@code base} (the state after {@code prev}) and signs the block's header. */
    private Prepared prepare(List<Transaction> txs, boolean[] signatureOk, Instant time, SigningKey proposer, NetworkId id,
            StateView base, BlockHeader prev, StateHash prevHash) throws LedgerException {
        long height = prev == null ? 0 : prev.height() + 1;
        Instant t = prev != null && time.isBefore(prev.time()) ? prev.time() : time;
        long t0 = System.nanoTime();
        StateMachine.Outcome outcome = StateMachine.apply(base, prevHash, new io.stoq.ledger.validate.BlockContext(height, t), txs,
                signatureOk, parallelSignatures);
        long t1 = System.nanoTime();
        BlockHeader header;
        try {
            header = BlockHeader.sign(id, height, prev == null ? BlockHeader.NO_PREVIOUS : prev.hash(), Block.txRoot(outcome.accepted()),
                    outcome.stateRoot(), t, outcome.accepted().size(), proposer);
        } catch (CryptoException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot sign block " + height + ": " + e.getMessage(), e);
        }
        long t2 = System.nanoTime();
        Block block = new Block(header, outcome.accepted());
        try {
            BlockRules.checkProposerOnly(block, base);
        } catch (LedgerException e) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "cannot propose: " + e.getMessage());
        }
        applyNanos += t1 - t0;
        signNanos += t2 - t1;
        return new Prepared(block, outcome, new CommitResult(block, outcome.rejected()));
    }

    /** The block's one synced WriteBatch: txs, state writes, index entries, head. */
    private void write(Prepared p) throws LedgerException {
        store.commit(p.block(), p.outcome().writes().writes(), p.outcome().stateHash());
    }

    /** Checks a block made elsewhere against this ledger's head and state, then commits it. */
    public void append(Block block) throws LedgerException {
        StateMachine.Outcome outcome = BlockRules.check(block, head, store, stateHash, parallelSignatures);
        store.commit(block, outcome.writes().writes(), outcome.stateHash());
        head = block.header();
        stateHash = outcome.stateHash();
        network = StateMachine.networkOf(store, List.of());
        applied(block);
    }

    /**
     * Calls {@code listener} after every block from now on that is durable and the head, built
     * here or appended (see {@link AppliedListener}); closing the handle stops the calls.
     */
    public AutoCloseable onApplied(AppliedListener listener) {
        appliedListeners.add(listener);
        return () -> appliedListeners.remove(listener);
    }

    private void applied(Block block) {
        for (AppliedListener l : appliedListeners) {
            try {
                l.applied(block);
            } catch (RuntimeException e) { // the block is durable whatever a listener does
                System.getLogger(Ledger.class.getName()).log(System.Logger.Level.WARNING,
                        "listener of block " + block.header().height() + " failed: " + e, e);
            }
        }
    }

    /** The network this ledger belongs to (from its genesis), or null before genesis: what txs must be signed for. */
    public NetworkId network() {
        return network;
    }

    /** The last committed header, or null before genesis. */
    public BlockHeader head() {
        return head;
    }

    /** Height of the last block, -1 before genesis. */
    public long height() {
        return head == null ? -1 : head.height();
    }

    public Hash256 stateRoot() {
        return stateHash.root();
    }

    /** Typed read access to the committed state. */
    public LedgerState state() {
        return new LedgerState(new StateOverlay(store));
    }

    public LedgerStore store() {
        return store;
    }

    @Override
    public void close() {
        store.close();
    }
}
