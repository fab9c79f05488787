package io.stoq.ledger;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.block.ChainFormat;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.SignatureCheck;
import io.stoq.ledger.state.StateHash;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.state.StateOverlay;
import io.stoq.ledger.state.StateView;
import io.stoq.ledger.store.CheckProgress;
import io.stoq.ledger.store.Head;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.verify.BlockRules;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The ledger as a writer sees it: a {@link LedgerStore} plus the head block and state hash in
 * memory. Writing a block has two steps that may run on different nodes:
 *
 * <pre>
 *   build(txs, time, proposer[, after])  apply over the head (plus unwritten proposals), sign the header: a {@link Proposal}
 *   append(block)                         a block made anywhere: BlockRules.check, then one synced write
 *   append(proposal)                      a block built here, on this head: the synced write alone
 * </pre>
 *
 * {@link #commit} and {@link #commitAll} (the single-node writer) are build then append; a Raft
 * leader builds, and every replica appends what consensus committed.
 *
 * <p>Build and append hold this ledger's lock, so a build never reads a half-appended state; one
 * thread at a time may append or commit. Reads of the store may run concurrently. Closing closes
 * the store.
 */
public final class Ledger implements AutoCloseable {
    private final LedgerStore store;
    /** The network of the committed genesis; null before genesis. */
    private volatile NetworkId network;
    /** Written under this ledger's lock; volatile so that readers on other threads see the last append. */
    private volatile BlockHeader head;
    /** The set hash of the head's state; null before genesis (block 0 chooses its format). */
    private volatile StateHash stateHash;
    /** The format block 0 gets when this ledger founds a chain ({@link #genesis}); later blocks keep their chain's. */
    private ChainFormat foundingFormat = ChainFormat.CURRENT;
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
            this.stateHash = null;
        } else {
            this.head = store.header(h.height());
            if (!head.hash().equals(h.blockHash())) {
                throw new LedgerException(LedgerErrorCode.CORRUPT, "head record does not match block " + h.height());
            }
            this.stateHash = StateHash.fromBytes(head.format(), h.stateHash());
            this.network = StateMachine.networkOf(store, List.of());
        }
    }

    /** Opens or creates the ledger in {@code dir}. */
    public static Ledger open(Path dir) throws LedgerException {
        return open(dir, CheckProgress.NONE);
    }

    /**
     * Opens or creates the ledger in {@code dir}; the check of its tables and blob files says what
     * it reads to {@code progress} while it runs (a node's start, on a large ledger).
     */
    public static Ledger open(Path dir, CheckProgress progress) throws LedgerException {
        LedgerStore store = LedgerStore.open(dir, progress);
        try {
            return new Ledger(store);
        } catch (LedgerException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Opens or creates the ledger in {@code dir} as a node does at its start, telling the operator
     * what the open did: the check's progress and what it read to {@code info}, what WAL recovery
     * had to do to {@code warn} (see {@link LedgerStore#recoveryNotes()}).
     */
    public static Ledger open(Path dir, Consumer<String> info, Consumer<String> warn) throws LedgerException {
        Ledger ledger = open(dir, CheckProgress.to(info));
        ledger.store().recoveryNotes().forEach(note -> warn.accept("ledger recovery: " + note));
        ledger.store().openCheck().ifPresent(c -> info.accept("ledger " + dir + ": " + c.summary()));
        return ledger;
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
     * ledger} and {@code stoq bench uploads}; from another thread, read it between commits (it waits for one in progress).
     */
    public record Timings(long blocks, Duration signatureChecks, Duration apply, Duration headerSignature,
            Duration syncedWrite) {
        /** This minus {@code earlier}: the steps of the blocks committed in between. */
        public Timings since(Timings earlier) {
            return new Timings(blocks - earlier.blocks, signatureChecks.minus(earlier.signatureChecks), apply.minus(earlier.apply),
                    headerSignature.minus(earlier.headerSignature), syncedWrite.minus(earlier.syncedWrite));
        }
    }

    public synchronized Timings timings() {
        return new Timings(blocksTimed, Duration.ofNanos(waitNanos), Duration.ofNanos(applyNanos),
                Duration.ofNanos(signNanos), Duration.ofNanos(storeNanos));
    }

    /** Creates block 0 with one GENESIS tx signed (nonce 1) and proposed by {@code admin}, in {@link ChainFormat#CURRENT}. */
    public CommitResult genesis(SigningKey admin, String network, List<byte[]> adminSpkis, byte[] rootCertDer, Instant time)
            throws LedgerException {
        return genesis(admin, network, adminSpkis, rootCertDer, time, ChainFormat.CURRENT);
    }

    /**
     * As {@link #genesis(SigningKey, String, List, byte[], Instant)}, founding a chain of
     * {@code format}: an older format is for tests that show a chain founded by an earlier stoq
     * keeps working.
     */
    public synchronized CommitResult genesis(SigningKey admin, String network, List<byte[]> adminSpkis, byte[] rootCertDer, Instant time,
            ChainFormat format) throws LedgerException {
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
        foundingFormat = format;
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
    public synchronized CommitResult commit(List<Transaction> txs, Instant time, SigningKey proposer) throws LedgerException {
        checkSize(txs);
        long t0 = System.nanoTime();
        boolean[] checked = StateMachine.checkSignatures(networkFor(txs), formatAfter(head), txs, parallelSignatures);
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
    public synchronized List<CommitResult> commitAll(List<List<Transaction>> batches, Supplier<Instant> time, SigningKey proposer)
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
                    checks.add(SignatureCheck.start(id, formatAfter(head), batches.get(started++), parallelSignatures));
                }
                long t0 = System.nanoTime();
                boolean[] checked = checks.poll().await(); // this thread helps with whatever is left of it
                waitNanos += System.nanoTime() - t0;
                Proposal p = prepare(batches.get(i), checked, time.get(), proposer, id, pending, prev, prevHash);
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
    private record Writing(Proposal block, Future<Long> done) {}

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
        Proposal p = prepare(txs, signatureOk, time, proposer, id, store, head, stateHash);
        long t0 = System.nanoTime();
        CommitResult result = append(p);
        storeNanos += System.nanoTime() - t0;
        blocksTimed++;
        return result;
    }

    /** As {@link #build(List, Instant, SigningKey, Proposal)} over the head alone. */
    public Proposal build(List<Transaction> txs, Instant time, SigningKey proposer) throws LedgerException {
        return build(txs, time, proposer, null);
    }

    /**
     * Builds the block that would follow {@code after} (a proposal of this ledger not yet
     * appended, or null for the head): applies {@code txs} in order over the committed state seen
     * through the unwritten proposals up to {@code after}, and signs a header of the accepted ones
     * with {@code proposer}. Nothing is written: {@link #append(Proposal)} writes it here, and any
     * ledger that reaches the same head accepts its {@link Proposal#block()} through
     * {@link #append(Block)}. {@code time} is clamped to be no earlier than the previous block's.
     *
     * <p>Throws CONFLICT when the chain of proposals does not continue this ledger's head (another
     * block was appended in between: the proposer lost its turn and must build again), or when
     * {@code proposer} may not propose here.
     */
    public synchronized Proposal build(List<Transaction> txs, Instant time, SigningKey proposer, Proposal after)
            throws LedgerException {
        checkSize(txs);
        List<Proposal> unwritten = unwritten(after);
        PendingState base = pending(unwritten);
        NetworkId id = network != null ? network : StateMachine.networkOf(base, txs);
        if (id == null) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "the ledger has no genesis yet: block 0 must hold the GENESIS tx");
        }
        BlockHeader prev = unwritten.isEmpty() ? head : unwritten.get(0).header();
        StateHash prevHash = unwritten.isEmpty() ? stateHash : unwritten.get(0).outcome().stateHash();
        long t0 = System.nanoTime();
        boolean[] checked = StateMachine.checkSignatures(id, formatAfter(prev), txs, parallelSignatures);
        waitNanos += System.nanoTime() - t0;
        return prepare(txs, checked, time, proposer, id, base, prev, prevHash, unwritten.isEmpty() ? null : after);
    }

    /**
     * The state {@link #build(List, Instant, SigningKey, Proposal) build(txs, time, proposer, after)}
     * would apply txs over: the committed state seen through the unwritten proposals up to
     * {@code after} (null: the head). A writer that plans the next block (its nonces, the accounts
     * it must register) while the previous one is being written reads it here. Reads go through to
     * the store, whose values the unwritten proposals' writes shadow until they land. Throws
     * CONFLICT as build does.
     */
    public synchronized LedgerState stateAfter(Proposal after) throws LedgerException {
        return new LedgerState(new StateOverlay(pending(unwritten(after))));
    }

    /** The committed state seen through {@code unwritten} (newest first). */
    private PendingState pending(List<Proposal> unwritten) {
        PendingState base = new PendingState(store);
        for (int i = unwritten.size() - 1; i >= 0; i--) {
            base.add(unwritten.get(i).outcome().writes().writes());
        }
        return base;
    }

    /**
     * The proposals from {@code after} back to the head that are not written yet, newest first.
     * Those already written are cut off the chain; the oldest unwritten one must continue the head.
     */
    private List<Proposal> unwritten(Proposal after) throws LedgerException {
        List<Proposal> chain = new ArrayList<>();
        long height = height();
        for (Proposal p = after; p != null && p.header().height() > height; p = p.after) {
            if (p.owner != this) {
                throw new IllegalArgumentException("a proposal of another ledger");
            }
            chain.add(p);
        }
        if (chain.isEmpty()) {
            if (after != null && !after.header().hash().equals(store.header(after.header().height()).hash())) {
                throw new LedgerException(LedgerErrorCode.CONFLICT, "block " + after.header().height()
                        + " was built here but another block was appended at that height");
            }
            return chain;
        }
        Proposal oldest = chain.get(chain.size() - 1);
        Hash256 headHash = head == null ? BlockHeader.NO_PREVIOUS : head.hash();
        if (!oldest.header().previousHash().equals(headHash)) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "proposed block " + oldest.header().height()
                    + " does not follow this ledger's head " + height + ": another block was appended in between");
        }
        oldest.after = null; // the head is its predecessor now; let the written ones go
        return chain;
    }

    /**
     * Writes a block this ledger built, without checking it again: it must follow the head it was
     * built on (CONFLICT otherwise, and nothing is written). The rules were applied when it was
     * built over the very same state.
     */
    public synchronized CommitResult append(Proposal proposal) throws LedgerException {
        if (proposal.owner != this) {
            throw new IllegalArgumentException("a proposal of another ledger");
        }
        BlockHeader h = proposal.header();
        Hash256 headHash = head == null ? BlockHeader.NO_PREVIOUS : head.hash();
        if (h.height() != height() + 1 || !h.previousHash().equals(headHash)) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "block " + h.height() + " was built on another head than this ledger's "
                    + height());
        }
        write(proposal);
        head = h;
        stateHash = proposal.outcome().stateHash();
        if (network == null) {
            network = StateMachine.networkOf(store, List.of());
        }
        applied(proposal.block());
        return proposal.result();
    }

    /**
     * A block built by {@link #build}: applied and signed, not written. It remembers the unwritten
     * proposal it was built after (until that one is written), so the next build can read the
     * state through it. Immutable but for that link, which only the building thread cuts.
     */
    public static final class Proposal {
        private final Ledger owner;
        private final Block block;
        private final StateMachine.Outcome outcome;
        private volatile Proposal after;

        private Proposal(Ledger owner, Block block, StateMachine.Outcome outcome, Proposal after) {
            this.owner = owner;
            this.block = block;
            this.outcome = outcome;
            this.after = after;
        }

        public Block block() {
            return block;
        }

        public BlockHeader header() {
            return block.header();
        }

        /** The txs validation refused; they are not in the block. */
        public List<StateMachine.Rejection> rejected() {
            return outcome.rejected();
        }

        public CommitResult result() {
            return new CommitResult(block, outcome.rejected());
        }

        StateMachine.Outcome outcome() {
            return outcome;
        }
    }

    /** The format of the block after {@code prev}: its chain's, or the founding format for block 0. */
    private ChainFormat formatAfter(BlockHeader prev) {
        return prev == null ? foundingFormat : prev.format();
    }

    /** Applies {@code txs} over {@code base} (the state after {@code prev}) and signs the block's header. */
    private Proposal prepare(List<Transaction> txs, boolean[] signatureOk, Instant time, SigningKey proposer, NetworkId id,
            StateView base, BlockHeader prev, StateHash prevHash) throws LedgerException {
        return prepare(txs, signatureOk, time, proposer, id, base, prev, prevHash, null);
    }

    private Proposal prepare(List<Transaction> txs, boolean[] signatureOk, Instant time, SigningKey proposer, NetworkId id,
            StateView base, BlockHeader prev, StateHash prevHash, Proposal after) throws LedgerException {
        long height = prev == null ? 0 : prev.height() + 1;
        Instant t = prev != null && time.isBefore(prev.time()) ? prev.time() : time;
        ChainFormat format = formatAfter(prev);
        long t0 = System.nanoTime();
        StateHash before = prev == null ? new StateHash(format) : prevHash;
        StateMachine.Outcome outcome = StateMachine.apply(base, before, new io.stoq.ledger.validate.BlockContext(height, t), txs,
                signatureOk, parallelSignatures);
        long t1 = System.nanoTime();
        BlockHeader header;
        try {
            header = BlockHeader.sign(id, format, height, prev == null ? BlockHeader.NO_PREVIOUS : prev.hash(),
                    Block.txRoot(format, outcome.accepted()),
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
        return new Proposal(this, block, outcome, after);
    }

    /** The block's one synced WriteBatch: txs, state writes, index entries, head. */
    private void write(Proposal p) throws LedgerException {
        store.commit(p.block(), p.outcome().writes().writes(), p.outcome().stateHash());
    }

    /**
     * Checks a block made elsewhere against this ledger's head and state ({@link BlockRules#check}:
     * link, signature, proposer, every tx valid, state root), then commits it. A refused block
     * (INVALID_BLOCK, naming the rule) changes nothing; CORRUPT or STORE_FAILURE mean this node's
     * own store failed underneath.
     */
    public synchronized void append(Block block) throws LedgerException {
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

    /** The head's state root; before genesis, the empty state's (the same in every format). */
    public Hash256 stateRoot() {
        StateHash h = stateHash;
        return h == null ? new StateHash(foundingFormat).root() : h.root();
    }

    /** Typed read access to the committed state. */
    public LedgerState state() {
        return new LedgerState(new StateOverlay(store));
    }

    /** A consistent checkpoint of the store into {@code target} (see {@link LedgerStore#checkpoint}), between two appends. */
    public synchronized void checkpoint(Path target) throws LedgerException {
        store.checkpoint(target);
    }

    public LedgerStore store() {
        return store;
    }

    @Override
    public void close() {
        store.close();
    }
}
