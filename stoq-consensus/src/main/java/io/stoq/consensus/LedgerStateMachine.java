package io.stoq.consensus;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine over one node's ledger. A log entry is one signed block ({@link Wire}
 * BLOCK); applying it is {@link Ledger#append(Block)}: the same checks on every replica (link to
 * the head, proposer signature and authority, every tx valid, state root), so a block is appended
 * everywhere or refused everywhere, and a refused block changes nothing. The leader skips the
 * re-check for a block it built itself on this very head ({@link Ledger#append(Ledger.Proposal)}).
 *
 * <p>An entry whose block height is at or below the ledger's is skipped: after a restart Ratis
 * replays the log from the last snapshot over a ledger that already holds those blocks (and a
 * block refused the first time is refused again, since the block at its height is another one).
 *
 * <p>Read-only requests carry SUBMIT: txs for the leader's {@link BlockProposer}; they never enter
 * the log themselves. Write requests must carry a BLOCK, or they are refused before the log.
 *
 * <p><b>Fail-stop.</b> A committed entry this replica cannot apply because of its own store (a
 * RocksDB write error, a full disk, a ledger whose own data fails its checks: {@link
 * LedgerErrorCode#STORE_FAILURE}, {@link LedgerErrorCode#CORRUPT}, or anything unexpected) must
 * never be skipped: every later block would be refused for not linking, and the node would serve
 * a ledger behind its log. So the first such failure stops this replica: it is logged as one
 * ERROR line, every later entry is refused without touching the ledger, and {@code failStop} is
 * called once (on a thread of its own, since stopping the Raft server waits for this thread). The
 * node then exits with the code of {@link ConsensusErrorCode#LEDGER_FAILURE}. After a restart
 * with the fault gone, Ratis replays the log from the last snapshot and the ledger catches up. A
 * block refused by validation (INVALID_BLOCK: it breaks a chain rule, say a tx whose signature
 * does not verify; REJECTED, CONFLICT) is not a failure: every replica refuses it alike, and the
 * ledger stays in step with the log. So one bad block from an authorised proposer costs a log
 * entry, not the group.
 *
 * <p>Threads: Ratis's apply thread runs apply, snapshots and reinitialize one at a time; the
 * ledger reference is swapped only there (volatile for the readers).
 */
final class LedgerStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerStateMachine.class);

    private final String self;
    private final Path ledgerDir;
    private final LedgerSnapshots snapshots;
    private final List<Consumer<Block>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong refusedBlocks = new AtomicLong();
    /** Futures waiting for this replica's ledger to reach a height, by height (completed by the apply thread). */
    private final java.util.concurrent.ConcurrentSkipListMap<Long, CompletableFuture<Void>> heightWaiters =
            new java.util.concurrent.ConcurrentSkipListMap<>();
    private final Consumer<ConsensusException> failStop;
    /** The failure that stopped this replica, null while it applies. */
    private volatile ConsensusException failed;
    private volatile Ledger ledger;
    private volatile BlockProposer proposer;

    LedgerStateMachine(String self, Path ledgerDir, Consumer<ConsensusException> failStop) {
        this.self = self;
        this.ledgerDir = ledgerDir;
        this.failStop = failStop;
        this.snapshots = new LedgerSnapshots(self);
    }

    /** The failure that stopped this replica's apply, if any. */
    java.util.Optional<ConsensusException> failure() {
        return java.util.Optional.ofNullable(failed);
    }

    void proposer(BlockProposer p) {
        this.proposer = p;
    }

    Ledger ledger() {
        return ledger;
    }

    long refusedBlocks() {
        return refusedBlocks.get();
    }

    /** Completes once this replica's ledger holds block {@code height} (read-your-writes for the submitting node). */
    CompletableFuture<Void> awaitHeight(long height) {
        if (ledger.height() >= height) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = heightWaiters.computeIfAbsent(height, h -> new CompletableFuture<>());
        if (ledger.height() >= height) {
            release(); // applied in between
        }
        return f;
    }

    private void release() {
        long h = ledger.height();
        var reached = heightWaiters.headMap(h, true);
        for (Long k : List.copyOf(reached.keySet())) {
            CompletableFuture<Void> f = heightWaiters.remove(k);
            if (f != null) {
                f.complete(null);
            }
        }
    }

    void onApplied(Consumer<Block> listener) {
        listeners.add(listener);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId group, RaftStorage storage) throws IOException {
        super.initialize(server, group, storage);
        getLifeCycle().startAndTransition(() -> {
            snapshots.init(storage);
            ledger = snapshots.openRecovered(ledgerDir, LedgerStateMachine::openLedger); // finishes an install a crash cut short
            TermIndex s = snapshots.getLatestSnapshot() == null ? null : snapshots.getLatestSnapshot().getTermIndex();
            if (s != null) {
                setLastAppliedTermIndex(s); // Ratis replays the log after it; blocks the ledger holds are skipped
            }
        }, IOException.class);
    }

    /** Before Ratis installs a snapshot (once per chunk): no apply runs until {@link #reinitialize}. */
    @Override
    public void pause() {
        if (getLifeCycle().getCurrentState() != LifeCycle.State.RUNNING) {
            return; // paused by an earlier chunk of the same snapshot
        }
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    private static Ledger openLedger(Path dir) throws IOException {
        try {
            // Every replica re-checks every tx signature of every block: spread them over the cores.
            return Ledger.open(dir, LOG::info, LOG::warn).parallelSignatures(true);
        } catch (LedgerException e) {
            throw new IOException("cannot open the ledger in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots;
    }

    @Override
    public long takeSnapshot() throws IOException {
        if (failed != null) {
            // A snapshot now would claim the failed entry applied, and a restart would skip it.
            throw new IOException("node " + self + " stopped applying (fail-stop): no snapshot");
        }
        TermIndex applied = getLastAppliedTermIndex();
        if (applied == null || applied.getIndex() < 0) {
            return -1;
        }
        long index = snapshots.take(ledger, applied);
        LOG.info("{}: snapshot at log index {} holds ledger height {}", self, index, ledger.height());
        return index;
    }

    /** After Ratis installed a snapshot from the leader: the ledger becomes that snapshot. */
    @Override
    public void reinitialize() throws IOException {
        getLifeCycle().startAndTransition(this::restore, IOException.class);
    }

    private void restore() throws IOException {
        snapshots.reload();
        TermIndex s = snapshots.getLatestSnapshot() == null ? null : snapshots.getLatestSnapshot().getTermIndex();
        TermIndex applied = getLastAppliedTermIndex();
        if (s == null || (applied != null && s.getIndex() <= applied.getIndex())) {
            return;
        }
        Ledger old = ledger;
        old.close();
        try {
            snapshots.restore(ledgerDir);
            ledger = openLedger(ledgerDir);
        } catch (IOException | RuntimeException e) {
            // The old ledger is closed and the new one not open: this replica cannot go on. A restart
            // finishes the install from the snapshot already in place (LedgerSnapshots.openRecovered).
            stop(new ConsensusException(ConsensusErrorCode.SNAPSHOT_FAILURE, "node " + self + " cannot install the snapshot at log index "
                    + s.getIndex() + ": " + e.getMessage(), e), s.getIndex());
            throw e instanceof IOException io ? io : new IOException(e);
        }
        setLastAppliedTermIndex(s);
        release();
        BlockProposer p = proposer;
        if (p != null) {
            p.leaderChanged();
        }
        LOG.info("{}: installed the leader's snapshot at log index {}; ledger height {}", self, s.getIndex(), ledger.height());
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        ByteString content = request.getMessage().getContent();
        TransactionContext.Builder b = TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
        try {
            Wire.decodeBlock(content.toByteArray(), this::ownProposal);
            return b.setLogData(content).build();
        } catch (ConsensusException e) {
            TransactionContext refused = b.build();
            refused.setException(e); // garbage never reaches the log
            return refused;
        }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        ConsensusException stopped = failed;
        if (stopped != null) {
            return CompletableFuture.failedFuture(stopped); // stopped: the ledger stays exactly where it failed
        }
        byte[] reply;
        try {
            reply = apply(entry.getStateMachineLogEntry().getLogData().toByteArray(), entry.getIndex());
        } catch (ConsensusException e) {
            return CompletableFuture.failedFuture(stop(e, entry.getIndex()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(stop(new ConsensusException(ConsensusErrorCode.LEDGER_FAILURE, "node " + self
                    + " failed applying log entry " + entry.getIndex() + ": " + e, e), entry.getIndex()));
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        BlockProposer p = proposer;
        if (p != null) {
            p.termApplied(entry.getTerm());
        }
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
    }

    /** The first apply failure: logged, remembered, and handed to {@code failStop} once, off the apply thread. */
    private ConsensusException stop(ConsensusException e, long index) {
        synchronized (this) {
            if (failed != null) {
                return failed;
            }
            failed = e;
        }
        LOG.error("{}: FAIL-STOP at log index {}: {}; applying nothing more and stopping the node (exit code {}); "
                + "restart it once the cause is fixed: it replays the log from its last snapshot", self, index, e.getMessage(),
                e.code().exitCode());
        Thread t = new Thread(() -> failStop.accept(e), "stoq-raft-fail-stop-" + self);
        t.setDaemon(false);
        t.start();
        return e;
    }

    /** The block this node proposed under {@code hash} and has not seen applied, or null. */
    private Block ownProposal(Hash256 hash) {
        BlockProposer p = proposer;
        Ledger.Proposal own = p == null ? null : p.proposal(hash);
        return own == null ? null : own.block();
    }

    /** Decides one BLOCK entry; throws only for a failure of this node's own store. */
    private byte[] apply(byte[] data, long index) throws ConsensusException {
        Block block;
        try {
            block = Wire.decodeBlock(data, this::ownProposal);
        } catch (ConsensusException e) {
            refusedBlocks.incrementAndGet();
            return Wire.applied(false, ledger.height()); // cannot happen past startTransaction; refused alike everywhere
        }
        Ledger l = ledger;
        long height = block.header().height();
        if (height <= l.height()) {
            return Wire.applied(false, l.height()); // replayed after a restart or a snapshot, or a duplicate
        }
        Hash256 hash = block.header().hash();
        BlockProposer p = proposer;
        Ledger.Proposal own = p == null ? null : p.proposal(hash);
        String refusal = null;
        try {
            ConsensusFaults.at(ConsensusFaults.APPLY, self, height);
            if (own != null) {
                try {
                    l.append(own);
                } catch (LedgerException e) {
                    if (e.code() != LedgerErrorCode.CONFLICT) {
                        throw e;
                    }
                    l.append(block); // built on another head: judged like anyone's block (and refused)
                }
            } else {
                l.append(block);
            }
        } catch (IOException e) {
            throw new ConsensusException(ConsensusErrorCode.LEDGER_FAILURE, "node " + self + " cannot write block " + height
                    + " (log entry " + index + "): " + e.getMessage(), e);
        } catch (LedgerException e) {
            if (e.code() == LedgerErrorCode.STORE_FAILURE || e.code() == LedgerErrorCode.CORRUPT) {
                throw new ConsensusException(ConsensusErrorCode.LEDGER_FAILURE, "node " + self + " cannot write block " + height
                        + " (log entry " + index + "): " + e.getMessage(), e);
            }
            refusal = e.getMessage();
            refusedBlocks.incrementAndGet();
            LOG.info("{}: refused block {} proposed by {}: {}", self, height, block.header().proposer().toHex().substring(0, 16),
                    refusal);
        }
        boolean appended = refusal == null;
        if (appended) {
            release();
        }
        if (p != null) {
            p.applied(block, hash, appended, refusal);
        }
        if (appended) {
            for (Consumer<Block> listener : listeners) {
                try {
                    listener.accept(block);
                } catch (RuntimeException e) {
                    LOG.warn("{}: a ledger listener failed on block {}", self, height, e);
                }
            }
        }
        return Wire.applied(appended, l.height());
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        BlockProposer p = proposer;
        try {
            byte[] bytes = request.getContent().toByteArray();
            if (p == null) {
                throw new ConsensusException(ConsensusErrorCode.CLOSED, "node " + self + " takes no txs yet");
            }
            return p.submit(Wire.decodeSubmit(bytes)).thenApply(o -> Message.valueOf(UnsafeByteOperations.unsafeWrap(Wire.outcomes(o))));
        } catch (ConsensusException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Ratis applied an entry of its own (configuration, a new leader's first entry): its term counts too. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        if (failed != null) {
            return; // stopped: the applied index stays at the entry before the failure
        }
        super.notifyTermIndexUpdated(term, index);
        BlockProposer p = proposer;
        if (p != null) {
            p.termApplied(term);
        }
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
        BlockProposer p = proposer;
        if (p != null) {
            p.leaderChanged();
        }
    }

    @Override
    public void close() throws IOException {
        super.close();
        Ledger l = ledger;
        if (l != null) {
            l.close();
        }
    }
}
