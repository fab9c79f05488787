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
import java.util.List;
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
     * Commits {@code batches} in order, one block each, as {@link #commit} would, but pipelined:
     * while batch i is applied and fsynced on this thread, the signatures of batch i+1 are checked
     * by the verifier threads ({@link SignatureCheck}), and this thread joins in as soon as it is
     * free. The outcome is identical to committing them one by one.
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
        SignatureCheck next = SignatureCheck.start(id, batches.get(0), parallelSignatures);
        for (int i = 0; i < batches.size(); i++) {
            long t0 = System.nanoTime();
            boolean[] checked = next.await(); // this thread helps with whatever is left of it
            waitNanos += System.nanoTime() - t0;
            next = i + 1 < batches.size() ? SignatureCheck.start(id, batches.get(i + 1), parallelSignatures) : null;
            results.add(commitChecked(batches.get(i), checked, time.get(), proposer));
        }
        return results;
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
        long height = head == null ? 0 : head.height() + 1;
        NetworkId id = networkFor(txs);
        if (id == null) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "the ledger has no genesis yet: block 0 must hold the GENESIS tx");
        }
        Instant t = head != null && time.isBefore(head.time()) ? head.time() : time;
        long t0 = System.nanoTime();
        StateMachine.Outcome outcome = StateMachine.apply(store, stateHash, new io.stoq.ledger.validate.BlockContext(height, t), txs,
                signatureOk, parallelSignatures);
        long t1 = System.nanoTime();
        BlockHeader header;
        try {
            header = BlockHeader.sign(id, height, head == null ? BlockHeader.NO_PREVIOUS : head.hash(), Block.txRoot(outcome.accepted()),
                    outcome.stateRoot(), t, outcome.accepted().size(), proposer);
        } catch (CryptoException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot sign block " + height + ": " + e.getMessage(), e);
        }
        long t2 = System.nanoTime();
        Block block = new Block(header, outcome.accepted());
        try {
            BlockRules.checkProposerOnly(block, store);
        } catch (LedgerException e) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "cannot propose: " + e.getMessage());
        }
        store.commit(block, outcome.writes().writes(), outcome.stateHash());
        long t3 = System.nanoTime();
        blocksTimed++;
        applyNanos += t1 - t0;
        signNanos += t2 - t1;
        storeNanos += t3 - t2;
        head = header;
        stateHash = outcome.stateHash();
        network = id;
        return new CommitResult(block, outcome.rejected());
    }

    /** Checks a block made elsewhere against this ledger's head and state, then commits it. */
    public void append(Block block) throws LedgerException {
        StateMachine.Outcome outcome = BlockRules.check(block, head, store, stateHash, parallelSignatures);
        store.commit(block, outcome.writes().writes(), outcome.stateHash());
        head = block.header();
        stateHash = outcome.stateHash();
        network = StateMachine.networkOf(store, List.of());
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
