package io.stoq.node.peer;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.net.AuthenticatedPeer;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.PeerRequest;
import io.stoq.net.Reply;
import io.stoq.net.Responder;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.ledger.RaftLedgerWriter;
import io.stoq.ledger.tx.TxBody;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarding half of the node's Raft ledger writer ({@link RaftLedgerWriter.Forwarder}):
 * writes of a signer that every node holds (the
 * operator key, a network account's custodial key) are signed on the Raft leader, so one node
 * assigns that signer's nonces and writes through different nodes cannot pick the same one.
 *
 * <pre>
 *   commit(signer, body) on a follower ──ledger-sign {signer's account, body} over STOQ──> leader
 *     leader: the same RaftLedgerWriter as for its own writes (one thread assigns nonces) -> block
 *     <── COMMITTED {tx id, height} ── ; the follower answers once it has applied that height itself
 * </pre>
 *
 * Why on the leader and not, say, nonces assigned at apply time: a tx's signature covers its
 * nonce, which is the ledger's replay protection (a signed tx commits once, REPLAY after); a
 * nonce left out of the signature would need another replay rule (tx ids remembered for ever).
 * The leader is where the txs are ordered anyway. During a leader change two nodes may still sign
 * for one signer for a moment; the ledger settles it (one commits, the other REPLAY) and the
 * writer signs again ({@link RaftLedgerWriter}). A node's own Falcon key, and any key that is not a
 * network key, is signed here as before. When the leader is unknown or unreachable before the
 * request is sent the write is signed here too (it may then race, as before).
 *
 * <p>The leader serves {@code ledger-sign} only to registered, unrevoked nodes of its ledger (who
 * hold the same keys and could sign themselves), at most {@link #MAX_SERVING} at once
 * ({@code BUSY} beyond). Thread-safe.
 */
public final class LeaderSigning implements RaftLedgerWriter.Forwarder, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderSigning.class);
    /**
     * Forwarded writes the leader serves at once. Each holds one of its peer workers
     * ({@code peer.worker-threads}, 16 by default) until its block commits, so this stays a quarter of
     * the default: at 64, forwarded writes filled every worker and shard fetches and gossip queued
     * behind them past the peers' no-progress timeout. Followers ask again when told BUSY.
     */
    static final int MAX_SERVING = 4;
    /** How long a follower keeps asking a BUSY leader before it signs the write itself. */
    static final java.time.Duration BUSY_RETRY_FOR = java.time.Duration.ofSeconds(30);

    private final RaftLedgerWriter local;
    private final PeerNetwork peers;
    private final SigningKey nodeKey;
    private final Semaphore serving = new Semaphore(MAX_SERVING);
    /** Read once, on first use (any thread; the same key every time). */
    private volatile SigningKey operator;
    /** Height -> waiters for this replica to apply it (a follower answers only once it reads its own write). */
    private final ConcurrentSkipListMap<Long, List<CompletableFuture<Void>>> applied = new ConcurrentSkipListMap<>();
    private static final java.time.Duration HEARTBEAT = java.time.Duration.ofMillis(500);
    private final java.util.concurrent.ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stoq-ledger-sign-beat");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService async = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "stoq-ledger-sign");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param nodeKey this node's Falcon key: its txs (location proofs, key shares) are this node's alone
     */
    public LeaderSigning(RaftLedgerWriter local, PeerNetwork peers, SigningKey nodeKey) {
        this.local = local;
        this.peers = peers;
        this.nodeKey = nodeKey;
        local.raft().onApplied(this::onApplied);
        peers.handle(SignRequest.TYPE, this::serve);
    }

    /** Starts forwarding: {@code local} hands every write to {@link #forward} first. */
    public LeaderSigning start() {
        local.useForwarder(this);
        return this;
    }

    @Override
    public Optional<CompletableFuture<Committed>> forwardAsync(SigningKey signer, List<SigningKey> mustExist, TxBody body) {
        if (forwardable(signer, mustExist, body).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(CompletableFuture.supplyAsync(() -> {
            try {
                Optional<Committed> c = forward(signer, mustExist, body, null);
                return c.isPresent() ? c.get() : local.commitHere(signer, mustExist, body, null);
            } catch (NodeException | LedgerException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, async));
    }

    @Override
    public Optional<Committed> forward(SigningKey signer, List<SigningKey> mustExist, TxBody body, Runnable ifNeverCommitted)
            throws NodeException, LedgerException {
        Optional<SignRequest> request = forwardable(signer, mustExist, body);
        Optional<PeerConnection> leader = request.isPresent() ? leaderConnection() : Optional.empty();
        if (leader.isEmpty()) {
            return Optional.empty();
        }
        Optional<SignRequest.Answer> asked = ask(leader.get(), request.get());
        if (asked.isEmpty()) {
            return Optional.empty(); // refused before anything was signed there: sign here (it may race; the writer re-signs)
        }
        SignRequest.Answer answer = asked.get();
        switch (answer.status()) {
            case SignRequest.COMMITTED -> {
                awaitApplied(answer.committed().height());
                return Optional.of(answer.committed());
            }
            case SignRequest.REJECTED -> {
                runOnce(ifNeverCommitted);
                throw new TxRejectedException(RejectReason.valueOf(answer.code()), answer.message());
            }
            default -> {
                if (answer.neverCommitted()) {
                    runOnce(ifNeverCommitted);
                }
                throw new NodeException(codeOf(answer.code()), answer.message());
            }
        }
    }

    /**
     * Sends the request to the leader; empty when it refused before signing anything. BUSY (it
     * serves {@link #MAX_SERVING} at once, each holding one of its peer workers) is asked again
     * after a short, growing, jittered pause for up to {@link #BUSY_RETRY_FOR}: signing here instead
     * would race with the leader's nonces for the same signer.
     */
    private Optional<SignRequest.Answer> ask(PeerConnection leader, SignRequest request) throws NodeException {
        long giveUpAt = System.nanoTime() + BUSY_RETRY_FOR.toNanos();
        for (int attempt = 1; ; attempt++) {
            try (Reply reply = leader.call(SignRequest.TYPE, request.encode())) {
                return Optional.of(SignRequest.Answer.read(reply));
            } catch (NetException e) {
                if (e.code() == NetErrorCode.BUSY && System.nanoTime() - giveUpAt < 0) {
                    pause(attempt);
                    continue;
                }
                if (e.code() == NetErrorCode.BUSY || e.code() == NetErrorCode.REFUSED) {
                    return Optional.empty();
                }
                throw new NodeException(NodeErrorCode.UNAVAILABLE, "the Raft leader did not answer the change (" + e.code() + " "
                        + e.getMessage() + "); it may still be recorded", e);
            } catch (java.io.IOException e) {
                throw new NodeException(NodeErrorCode.UNAVAILABLE, "the Raft leader's answer to the change was cut off ("
                        + e.getMessage() + "); it may still be recorded", e);
            }
        }
    }

    private static void pause(int attempt) throws NodeException {
        long ms = Math.min(200, 10L * attempt);
        try {
            Thread.sleep(ms + java.util.concurrent.ThreadLocalRandom.current().nextLong(ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "interrupted while the Raft leader was busy");
        }
    }

    private static void runOnce(Runnable r) {
        if (r != null) {
            r.run();
        }
    }

    private static NodeErrorCode codeOf(String name) {
        try {
            return NodeErrorCode.valueOf(name);
        } catch (IllegalArgumentException e) {
            return NodeErrorCode.UNAVAILABLE;
        }
    }

    /**
     * The request to send when {@code signer} is a key every node holds and this node is not the
     * leader; empty when the write is signed here.
     */
    private Optional<SignRequest> forwardable(SigningKey signer, List<SigningKey> mustExist, TxBody body) {
        if (signer.equals(nodeKey) || local.raft().isLeader()) {
            return Optional.empty();
        }
        try {
            Optional<String> name = nameOf(signer);
            if (name.isEmpty()) {
                return Optional.empty();
            }
            List<String> must = new ArrayList<>();
            for (SigningKey k : mustExist) {
                Optional<String> m = nameOf(k);
                if (m.isEmpty()) {
                    return Optional.empty();
                }
                must.add(m.get());
            }
            return Optional.of(new SignRequest(name.get(), must, body));
        } catch (NodeException e) {
            return Optional.empty();
        }
    }

    /** "" for the operator key, the API account id for a network account's key, empty for any other key. */
    private Optional<String> nameOf(SigningKey key) throws NodeException {
        CustodialKeys keys = local.keys();
        if (key.equals(operator())) {
            return Optional.of("");
        }
        return keys.accountOf(io.stoq.crypto.hash.Sha3.hash(key.publicKey().getEncoded()));
    }

    /** The operator key, read from its file once (it is fixed at genesis). */
    private SigningKey operator() throws NodeException {
        SigningKey k = operator;
        if (k == null) {
            k = local.keys().operatorKey(false);
            operator = k;
        }
        return k;
    }

    /** A connection to the leader this replica knows of, when it is another node and reachable. */
    private Optional<PeerConnection> leaderConnection() {
        Optional<String> leader = local.raft().leader();
        if (leader.isEmpty() || leader.get().equals(local.raft().nodeId())) {
            return Optional.empty();
        }
        for (PeerStatus p : peers.peers()) {
            if (p.nodeId().equals(leader.get())) {
                for (InetSocketAddress a : p.addresses()) {
                    try {
                        return Optional.of(peers.connect(a));
                    } catch (NetException e) {
                        LOG.debug("leader {} not reachable at {}: {}", leader.get(), a, e.getMessage());
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Waits (at most the commit timeout's worth, as a local commit would) until this replica applied {@code height}. */
    private void awaitApplied(long height) throws NodeException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        applied.computeIfAbsent(height, h -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(done);
        if (local.reader().height() >= height) {
            done.complete(null);
        }
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "the change was committed at height " + height
                    + " but this node has not applied it yet");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "waiting for height " + height, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "interrupted while waiting for the ledger");
        } finally {
            List<CompletableFuture<Void>> list = applied.get(height);
            if (list != null) {
                list.remove(done);
            }
        }
    }

    /** Apply thread: wakes the waiters of every height up to the block's. */
    private void onApplied(Block block) {
        long h = block.header().height();
        for (Map.Entry<Long, List<CompletableFuture<Void>>> e : applied.headMap(h, true).entrySet()) {
            e.getValue().forEach(f -> f.complete(null));
        }
    }

    /** Peer worker: signs and commits a member's write here (on the leader), answering with the outcome. */
    private void serve(PeerRequest request, Responder responder) throws NetException, java.io.IOException {
        AuthenticatedPeer peer = request.peer();
        SignRequest r = SignRequest.decode(request.args());
        try {
            StateRecords.Node n = local.reader().state().node(peer.nodeId());
            if (n == null || n.revoked() || !new java.math.BigInteger(n.serial()).equals(peer.serial())) {
                throw new NetException(NetErrorCode.REFUSED, "node " + peer.nodeId() + " is not a registered member of this ledger");
            }
        } catch (LedgerException e) {
            throw new NetException(NetErrorCode.REFUSED, "the ledger of node " + local.raft().nodeId() + " cannot be read");
        }
        if (!serving.tryAcquire()) {
            throw new NetException(NetErrorCode.BUSY, MAX_SERVING + " forwarded writes are under way at node " + local.raft().nodeId());
        }
        try {
            SigningKey signer;
            List<SigningKey> must = new ArrayList<>();
            try {
                signer = r.signer().isEmpty() ? operator() : local.keys().keyOf(r.signer());
                for (String m : r.mustExist()) {
                    must.add(m.isEmpty() ? operator() : local.keys().keyOf(m));
                }
            } catch (NodeException e) {
                // The leader cannot sign for this signer (a node that holds no share of the key epoch
                // its custodial key is sealed to, an account it does not know yet): refused before
                // anything was signed, so the member signs the write itself. The answer must not be a
                // metadata-only FAILED: the member reads the outcome from the body, and a body-less
                // answer read as "ended before its outcome" failed the write with 503.
                throw new NetException(NetErrorCode.REFUSED, "node " + local.raft().nodeId() + " cannot sign for "
                        + (r.signer().isEmpty() ? "the operator key" : "account " + r.signer()) + ": " + e.getMessage());
            }
            AtomicBoolean never = new AtomicBoolean();
            // The commit may take longer than the peer's no-progress timeout: the answer is a body
            // with a keep-alive byte every HEARTBEAT until the outcome frame.
            java.io.OutputStream out = responder.replyStreaming(new byte[] {SignRequest.VERSION});
            java.util.concurrent.ScheduledFuture<?> beat = heartbeat.scheduleWithFixedDelay(() -> SignRequest.keepAlive(out),
                    HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
            byte[] outcome;
            try {
                Committed c = local.commitHere(signer, must, r.body(), () -> never.set(true));
                outcome = SignRequest.committed(c);
            } catch (TxRejectedException e) {
                outcome = SignRequest.rejected(e.reason().name(), e.detail());
            } catch (NodeException e) {
                outcome = SignRequest.failed(e.code().name(), e.getMessage(), never.get());
            } catch (LedgerException e) {
                outcome = SignRequest.failed(NodeErrorCode.IO_ERROR.name(), e.getMessage(), never.get());
            } finally {
                beat.cancel(false);
            }
            SignRequest.writeOutcome(out, outcome);
        } finally {
            serving.release();
        }
    }

    /** Stops the forwarding threads (the writer closes on its own). */
    @Override
    public void close() {
        async.shutdownNow();
        heartbeat.shutdownNow();
    }
}
