package io.stoq.node.ledger;

import io.stoq.consensus.ConsensusErrorCode;
import io.stoq.consensus.ConsensusException;
import io.stoq.consensus.RaftLedger;
import io.stoq.consensus.RaftLedgerConfig;
import io.stoq.consensus.RaftTls;
import io.stoq.consensus.TxOutcome;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.node.lifecycle.LifeCycle;
import io.stoq.node.NodeCredentials;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's {@link LedgerWriter} in {@code ledger.mode=raft}: every node of the network holds
 * the same ledger, ordered by the voters through {@link RaftLedger} (stoq-consensus). This class
 * signs the node's txs and hands them to the group; the group's leader builds the blocks.
 *
 * <p>Nonces: the operator (custodial admin) key is shared by the network's nodes, so two nodes
 * may sign with the same nonce. The ledger settles that race: one tx commits, the other is
 * REJECTED with {@link RejectReason#REPLAY} (or NONCE_GAP behind it), and is never committed. This
 * writer then forgets the nonces it had assigned to the signers involved, signs again with fresh
 * ones from the applied state, and resubmits, at most {@code raft.submit-retries} times. Within
 * the node the nonces are assigned on one thread, so the node's own writes never race.
 *
 * <p>Outcomes, as {@link LedgerWriter} promises: COMMITTED completes the future once the block is
 * applied here; REJECTED (other reasons), or RETRY after the consensus layer's own retries, are
 * never committed and run the caller's hook; a TIMEOUT or a lost answer leaves the outcome open
 * (UNAVAILABLE, no hook).
 *
 * <p>Genesis: the first voter of {@code raft.voters} proposes the network's genesis and setup
 * block (its own certificate and those of {@code raft.founders} registered, the network token
 * created) when the group's ledger is empty. Other voters can lead only once registered
 * (NODE_REGISTER by the admin): a block they build before that is refused by every replica.
 */
public final class RaftLedgerWriter implements LedgerWriter {
    private static final Logger LOG = LoggerFactory.getLogger(RaftLedgerWriter.class);
    private static final long NOT_READY_POLL_MS = 50;
    /** Most requests signed and submitted together (with their registrations, ~5 KB txs: under 1.3 MiB a submission). */
    static final int MAX_SUBMISSION = 128;

    private final LifeCycle life = new LifeCycle("raft ledger");
    private final RaftLedger raft;
    private final CustodialKeys keys;
    private final SigningKey operator;
    private final Duration commitTimeout;
    private final int retries;
    private final LedgerReader reader;
    private final LedgerEvents events;
    /** One thread assigns nonces and settles outcomes, so the node's own writes never race. */
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stoq-raft-writer");
        t.setDaemon(true);
        return t;
    });
    /** Writer thread only: the last nonce this node signed per signer, ahead of the applied state. */
    private final Map<Hash256, Long> assigned = new HashMap<>();
    private final Set<LedgerRequest> pending = ConcurrentHashMap.newKeySet();
    /** Requests not yet taken by the writer thread, in arrival order. */
    private final java.util.concurrent.ConcurrentLinkedQueue<LedgerRequest> incoming = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private Thread bootstrap;

    private RaftLedgerWriter(RaftLedger raft, CustodialKeys keys, SigningKey operator, Duration commitTimeout, int retries) {
        this.raft = raft;
        this.keys = keys;
        this.operator = operator;
        this.commitTimeout = commitTimeout;
        this.retries = retries;
        // raft.ledger() is replaced when a snapshot is installed: read through it each time.
        this.reader = new LedgerReader() {
            @Override
            public long height() {
                return raft.ledger().height();
            }

            @Override
            public LedgerState state() {
                return raft.ledger().state();
            }

            @Override
            public LedgerStore store() {
                return raft.ledger().store();
            }
        };
        this.events = new LedgerEvents(keys, reader);
    }

    /**
     * Starts this node's member of the Raft group over the ledger in {@code ledgerDir}. When this
     * node is the first voter and the group's ledger is empty, it proposes genesis and setup in the
     * background (the group needs a quorum first, so start-up does not wait for it).
     */
    public static RaftLedgerWriter start(Path ledgerDir, CustodialKeys keys, NodeCredentials node, java.time.Clock clock,
            LedgerService.Settings settings, RaftLedgerConfig raftConfig, RaftTls tls, int retries, List<List<X509Certificate>> founders,
            java.util.Map<String, java.security.PublicKey> founderKem, io.stoq.consensus.RaftPeerSpec joinAs,
            java.util.function.Consumer<ConsensusException> failStop) throws NodeException {
        SigningKey operator = keys.operatorKey(true);
        RaftLedger raft;
        try {
            RaftLedgerConfig c = raftConfig.withSubmitTimeout(settings.commitTimeout());
            raft = joinAs == null ? RaftLedger.start(c, ledgerDir, node.keys().falcon(), tls, clock, failStop)
                    : RaftLedger.join(c, joinAs, ledgerDir, node.keys().falcon(), tls, clock, failStop);
        } catch (ConsensusException e) {
            throw new NodeException(e.code() == ConsensusErrorCode.BAD_CONFIG ? NodeErrorCode.BAD_CONFIG : NodeErrorCode.IO_ERROR,
                    "cannot start the Raft ledger: " + e.getMessage(), e);
        }
        RaftLedgerWriter w = new RaftLedgerWriter(raft, keys, operator, settings.commitTimeout(), retries);
        try {
            w.life.transition(LifeCycle.State.STARTING);
            raft.onApplied(w.events::publish);
            boolean first = raftConfig.peers().stream().filter(p -> p.voter()).findFirst()
                    .map(p -> p.nodeId().equals(raftConfig.self())).orElse(false);
            if (first && raft.ledger().height() < 0) {
                w.bootstrap = new Thread(() -> w.proposeGenesis(node, founders, founderKem, clock, settings.network()), "stoq-raft-genesis");
                w.bootstrap.setDaemon(true);
                w.bootstrap.start();
            }
            w.life.transition(LifeCycle.State.RUNNING);
            return w;
        } catch (NodeException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** Builds genesis and setup in a scratch ledger, signed by the operator, and proposes both blocks to the group. */
    private void proposeGenesis(NodeCredentials node, List<List<X509Certificate>> founders,
            java.util.Map<String, java.security.PublicKey> founderKem, Clock clock, String network) {
        Path scratchDir = null;
        try {
            scratchDir = Files.createTempDirectory("stoq-genesis");
            Block genesis;
            Block setup;
            try (Ledger scratch = Ledger.open(scratchDir)) {
                X509Certificate root = node.root();
                scratch.genesis(operator, network, List.of(operator.publicKey().getEncoded()), root.getEncoded(), clock.instant());
                List<Transaction> setupTxs = new ArrayList<>();
                long nonce = 2;
                List<List<X509Certificate>> members = new ArrayList<>();
                members.add(node.chain());
                for (List<X509Certificate> f : founders) {
                    if (!f.get(0).equals(node.chain().get(0))) {
                        members.add(f);
                    }
                }
                for (List<X509Certificate> member : members) {
                    List<byte[]> chain = new ArrayList<>();
                    for (X509Certificate c : member) {
                        chain.add(c.getEncoded());
                    }
                    setupTxs.add(Transaction.sign(scratch.network(), operator, nonce++, new TxBody.NodeRegister(chain)));
                }
                setupTxs.add(Transaction.sign(scratch.network(), operator, nonce++, new TxBody.AssetCreate(LedgerService.NETWORK_TOKEN,
                        "stoq network token", LedgerService.NETWORK_TOKEN, new byte[0], LedgerService.NETWORK_TOKEN_SUPPLY,
                        AssetPolicy.CREATOR_ONLY)));
                // the first data-key epoch: sealed to this node and to every founder whose ML-KEM key was given
                java.util.Map<String, java.security.PublicKey> epochMembers = new java.util.LinkedHashMap<>();
                epochMembers.put(io.stoq.crypto.ca.NodeIdentityExtension.from(node.chain().get(0)).nodeId(), node.keys().kem().getPublic());
                founderKem.forEach(epochMembers::putIfAbsent);
                setupTxs.add(Transaction.sign(scratch.network(), operator, nonce, io.stoq.node.keys.EpochKeys.newEpoch(1, epochMembers)));
                Ledger.CommitResult r = scratch.commit(setupTxs, clock.instant(), operator);
                if (!r.rejected().isEmpty()) {
                    LOG.error("the network's setup block was refused: {}", r.rejected().get(0).message());
                    return;
                }
                genesis = scratch.store().block(0);
                setup = scratch.store().block(1);
            }
            // The client waits for a leader (a quorum of voters): this may take until the others start.
            boolean applied = raft.proposeBlock(genesis) && raft.proposeBlock(setup);
            LOG.info(applied ? "network ledger created through Raft: genesis and setup block, node registered"
                    : "the group's ledger already had a genesis: kept it");
        } catch (IOException | LedgerException | CryptoException | CertificateEncodingException | ConsensusException | NodeException e) {
            LOG.error("cannot create the network's ledger: {}", e.getMessage());
        } finally {
            deleteQuietly(scratchDir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("scratch ledger {} left behind: {}", dir, e.toString());
        }
    }

    /** The node's member of the Raft group (leader, applied index; tests and metrics). */
    public RaftLedger raft() {
        return raft;
    }

    @Override
    public LedgerReader reader() {
        return reader;
    }

    @Override
    public CustodialKeys keys() {
        return keys;
    }

    @Override
    public LedgerEvents events() {
        return events;
    }

    /**
     * Signs a write on another node (the Raft leader, so one node assigns a shared signer's
     * nonces: {@code io.stoq.node.peer.LeaderSigning}); empty to sign it here.
     */
    public interface Forwarder {
        Optional<Committed> forward(SigningKey signer, List<SigningKey> mustExist, TxBody body, Runnable ifNeverCommitted)
                throws NodeException, LedgerException;

        Optional<CompletableFuture<Committed>> forwardAsync(SigningKey signer, List<SigningKey> mustExist, TxBody body);
    }

    private volatile Forwarder forwarder;

    /** Hands every later write to {@code f} first. */
    public void useForwarder(Forwarder f) {
        this.forwarder = f;
    }

    @Override
    public CompletableFuture<Committed> submit(SigningKey signer, List<SigningKey> mustExist, TxBody body) {
        Forwarder f = forwarder;
        if (f != null && life.state() == LifeCycle.State.RUNNING) {
            Optional<CompletableFuture<Committed>> forwarded = f.forwardAsync(signer, mustExist, body);
            if (forwarded.isPresent()) {
                return forwarded.get();
            }
        }
        return enqueue(new LedgerRequest(signer, List.copyOf(mustExist), body, null)).done;
    }

    private LedgerRequest enqueue(LedgerRequest r) {
        if (life.state() != LifeCycle.State.RUNNING) {
            r.refuse(new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger is shutting down"));
            return r;
        }
        pending.add(r);
        r.done.whenComplete((c, e) -> pending.remove(r));
        incoming.add(r);
        writer.execute(this::drain);
        return r;
    }

    /**
     * Writer thread: takes what queued meanwhile (at most {@value #MAX_SUBMISSION}) and attempts it
     * as one submission, so concurrent writes share their signers' signatures and one trip to
     * the leader.
     */
    private void drain() {
        List<LedgerRequest> batch = new ArrayList<>();
        LedgerRequest r;
        while (batch.size() < MAX_SUBMISSION && (r = incoming.poll()) != null) {
            if (r.take()) {
                batch.add(r);
            }
        }
        if (!batch.isEmpty()) {
            attempt(batch);
        }
    }

    @Override
    public Committed commit(SigningKey signer, List<SigningKey> mustExist, TxBody body, Runnable ifNeverCommitted)
            throws NodeException, LedgerException {
        Forwarder f = forwarder;
        if (f != null && life.state() == LifeCycle.State.RUNNING) {
            Optional<Committed> forwarded = f.forward(signer, mustExist, body, ifNeverCommitted);
            if (forwarded.isPresent()) {
                return forwarded.get();
            }
        }
        return commitHere(signer, mustExist, body, ifNeverCommitted);
    }

    /** As {@link #commit(SigningKey, List, TxBody, Runnable)}, signed on this node whoever leads (never forwarded). */
    public Committed commitHere(SigningKey signer, List<SigningKey> mustExist, TxBody body, Runnable ifNeverCommitted)
            throws NodeException, LedgerException {
        LedgerRequest r = enqueue(new LedgerRequest(signer, List.copyOf(mustExist), body, ifNeverCommitted));
        try {
            return r.done.get(commitTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TxRejectedException t) {
                throw new TxRejectedException(t.reason(), t.detail());
            }
            if (e.getCause() instanceof NodeException n) {
                throw new NodeException(n.code(), n.getMessage(), n);
            }
            throw new NodeException(NodeErrorCode.IO_ERROR, "ledger commit failed", e.getCause());
        } catch (TimeoutException e) {
            if (r.withdraw()) {
                r.neverCommitted();
                throw new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger did not take the change within " + commitTimeout
                        + "; nothing was recorded");
            }
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "the Raft group did not confirm the change within " + commitTimeout
                    + "; it may still be recorded");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (r.withdraw()) {
                r.neverCommitted();
            }
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "interrupted while waiting for the ledger");
        }
    }

    /**
     * Writer thread: signs the txs of {@code batch} (and the registrations they need) with fresh
     * nonces, one signature per signer, and submits them together.
     */
    private void attempt(List<LedgerRequest> batch) {
        List<LedgerRequest> open = new ArrayList<>(batch.size());
        for (LedgerRequest r : batch) {
            if (r.done.isDone()) {
                continue;
            }
            if (life.state() != LifeCycle.State.RUNNING) {
                r.refuse(new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger is shutting down"));
                continue;
            }
            open.add(r);
        }
        if (open.isEmpty()) {
            return;
        }
        Ledger ledger = raft.ledger();
        if (ledger.height() < 1) {
            // No genesis and setup yet (the group is forming): nothing was signed, try again shortly.
            writer.schedule(() -> attempt(open), NOT_READY_POLL_MS, TimeUnit.MILLISECONDS);
            return;
        }
        List<SignerBatches.Unsigned> plan = new ArrayList<>();
        Map<LedgerRequest, Attempt> attempts = new java.util.IdentityHashMap<>();
        Map<Hash256, Integer> registrationAt = new HashMap<>();
        try {
            LedgerState state = ledger.state();
            for (LedgerRequest r : open) {
                Set<Hash256> signers = new HashSet<>();
                List<Integer> needs = new ArrayList<>();
                for (SigningKey k : concat(r.signer, r.mustExist)) {
                    Hash256 id = k.verifyingKey().fingerprint();
                    // a node's Falcon key (KEY_SHARE, location proofs) is a known signer through its NODE_REGISTER, not an account
                    if (state.account(id) == null && state.nodeBySigner(id) == null && !k.equals(operator) && signers.add(id)) {
                        signers.add(operator.verifyingKey().fingerprint());
                        Integer at = registrationAt.get(id);
                        if (at == null) {
                            at = plan.size();
                            registrationAt.put(id, at);
                            plan.add(new SignerBatches.Unsigned(null, operator, nextNonce(state, operator),
                                    new TxBody.AccountRegister(k.publicKey().getEncoded(), Role.MEMBER)));
                        }
                        needs.add(at);
                    }
                }
                signers.add(r.signer.verifyingKey().fingerprint());
                attempts.put(r, new Attempt(plan.size(), needs, signers));
                plan.add(new SignerBatches.Unsigned(r, r.signer, nextNonce(state, r.signer), r.body));
            }
        } catch (LedgerException e) {
            open.forEach(r -> r.refuse(new NodeException(NodeErrorCode.IO_ERROR, "cannot prepare the ledger transaction", e)));
            return;
        }
        Transaction[] signed = new Transaction[plan.size()];
        CryptoException[] failed = new CryptoException[plan.size()];
        SignerBatches.sign(ledger.network(), plan, signed, failed);
        List<Transaction> txs = new ArrayList<>(plan.size());
        for (int i = 0; i < plan.size(); i++) {
            LedgerRequest r = plan.get(i).request();
            if (failed[i] == null) {
                txs.add(signed[i]);
            } else if (r != null) {
                attempts.get(r).signers().forEach(assigned::remove);
                attempts.remove(r);
                r.refuse(new NodeException(NodeErrorCode.IO_ERROR, "cannot prepare the ledger transaction", failed[i]));
            }
        }
        if (attempts.isEmpty()) {
            return;
        }
        raft.submit(txs).whenCompleteAsync((outcomes, failure) -> attempts.forEach((r, a) -> {
            List<Hash256> needed = new ArrayList<>();
            for (int i : a.registrations()) {
                if (signed[i] != null) {
                    needed.add(signed[i].id());
                }
            }
            settle(r, signed[a.tx()].id(), needed, a.signers(), outcomes, failure);
        }), writer);
    }

    /** One request's part of a submission: where its tx is in the plan, the registrations it needs, the signers it used. */
    private record Attempt(int tx, List<Integer> registrations, Set<Hash256> signers) {}

    /** Writer thread: completes, refuses or re-signs {@code r} from the group's answer. */
    private void settle(LedgerRequest r, Hash256 mine, List<Hash256> registrations, Set<Hash256> signers, List<TxOutcome> outcomes,
            Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            signers.forEach(assigned::remove);
            // Sent, unanswered: the leader may have it in a block. Open, so no hook.
            r.done.completeExceptionally(new NodeException(NodeErrorCode.UNAVAILABLE, "the Raft group did not confirm the change: "
                    + cause.getMessage() + "; it may still be recorded", cause));
            return;
        }
        TxOutcome outcome = outcomes.stream().filter(o -> o.txId().equals(mine)).findFirst().orElse(null);
        if (outcome == null) {
            r.done.completeExceptionally(new NodeException(NodeErrorCode.UNAVAILABLE, "the Raft group gave no outcome for the change"));
            return;
        }
        switch (outcome.status()) {
            case COMMITTED -> complete(r, mine, outcome.height());
            case REJECTED -> {
                // Raced: another node (or a lost block) took a nonce of this tx or of a registration it needs.
                boolean raced = outcomes.stream().anyMatch(o -> o.status() == TxOutcome.Status.REJECTED
                        && (o.txId().equals(mine) || registrations.contains(o.txId()))
                        && (o.reason() == RejectReason.REPLAY || o.reason() == RejectReason.NONCE_GAP));
                signers.forEach(assigned::remove);
                if (raced && r.retries++ < retries) {
                    // Sign again from the applied state.
                    writer.schedule(() -> attempt(List.of(r)), 10L * r.retries, TimeUnit.MILLISECONDS);
                } else {
                    r.refuse(new TxRejectedException(outcome.reason(), outcome.message()));
                }
            }
            case RETRY -> {
                signers.forEach(assigned::remove);
                r.refuse(new NodeException(NodeErrorCode.UNAVAILABLE, "the Raft group could not commit the change (" + outcome.message()
                        + "); nothing was recorded"));
            }
        }
    }

    private void complete(LedgerRequest r, Hash256 txId, long height) {
        try {
            // The tx's own record gives its place: reading the whole block decoded every tx of it
            // again for each request it answered.
            LedgerStore store = raft.ledger().store();
            LedgerStore.TxPlace stored = store.txPlace(txId);
            if (stored == null || stored.height() != height) {
                r.done.completeExceptionally(new NodeException(NodeErrorCode.IO_ERROR, "tx committed at height " + height
                        + " is not in that block here"));
                return;
            }
            r.done.complete(new Committed(txId, height, stored.index(), store.header(height).time()));
        } catch (LedgerException | RuntimeException e) {
            r.done.completeExceptionally(new NodeException(NodeErrorCode.IO_ERROR, "cannot read the block at height " + height, e));
        }
    }

    private long nextNonce(LedgerState state, SigningKey k) throws LedgerException {
        Hash256 id = k.verifyingKey().fingerprint();
        Long last = assigned.get(id);
        long next = Math.max(last == null ? 0 : last, state.nonce(id)) + 1;
        assigned.put(id, next);
        return next;
    }

    private static List<SigningKey> concat(SigningKey first, List<SigningKey> rest) {
        List<SigningKey> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** Stops taking work; requests not yet signed are refused, those in flight end open; then leaves the group. */
    @Override
    public void close() {
        if (!life.beginClose()) {
            return;
        }
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.shutdownNow();
        NodeException gone = new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger is shutting down");
        for (LedgerRequest r : List.copyOf(pending)) {
            if (r.take()) {
                r.refuse(gone);
            } else {
                r.done.completeExceptionally(new NodeException(NodeErrorCode.UNAVAILABLE,
                        "the ledger is shutting down; the change may still be recorded"));
            }
        }
        if (bootstrap != null) {
            bootstrap.interrupt();
        }
        raft.close();
        events.close();
        try {
            life.transition(LifeCycle.State.CLOSED);
        } catch (NodeException e) {
            LOG.debug("raft ledger close: {}", e.getMessage());
        }
    }
}
