package io.stoq.node.ledger;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeIdentityExtension;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.ledger.verify.BlockRules;
import io.stoq.node.NodeCredentials;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import io.stoq.node.NodeException;
import io.stoq.node.fault.FaultInjection;
import io.stoq.node.lifecycle.LifeCycle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node's {@link Ledger} and its only writer thread. Callers submit transaction bodies
 * with the key that must sign them; the writer group-commits whatever arrived within
 * {@code blockInterval} (at most {@code maxBlockTxs}) into one block, signs it as proposer and
 * completes each submitter's future only after the block's synced write returned, or with the
 * tx's rejection reason.
 *
 * <p>Two blocks are in hand at once: while the appender thread writes block N (the synced write,
 * the events) and completes its requests, the writer collects, signs and builds block N+1 over
 * the state after N ({@link Ledger#stateAfter}, {@link Ledger#build}); it hands N+1 over once N
 * is written. Measured with {@code stoq bench uploads}, see docs/benchmarks.md. A block built on
 * one whose write failed is never written: its requests are refused.
 *
 * <p>Nonces are assigned on the writer thread, so concurrent submitters of one account never
 * race. A signer whose ledger account does not exist yet is registered first, in the same block,
 * with an ACCOUNT_REGISTER signed by the operator key (the genesis admin).
 *
 * <p>First start writes genesis (admin = operator key) and a setup block that registers this node
 * (its certificate chain) and creates the network token; from then on blocks are proposed by the
 * node's Falcon key, so proofs check offline against the root certificate. The node's certificate
 * must grant the voter role (only voters propose); every tx and header is signed for the network
 * the genesis founded ({@link Ledger#network()}).
 *
 * <p>Start-up refuses a ledger that cannot be trusted: a damaged log record or table
 * ({@link NodeErrorCode#CORRUPT_DATA}, naming the file and the blocks at risk), an operator key
 * that is missing or not the ledger's admin, and custodial account keys the ledger knows but
 * {@code DATA/accounts} lacks (see {@link CustodialKeys}).
 *
 * <p>Request states, settled atomically so that a timed-out write can never be committed later
 * while its caller discards what it wrote (its shards):
 * <pre>
 *   QUEUED --writer takes it--> TAKEN --block committed--> (done)
 *      |                          +--refused / writer stops--> never committed: hook runs
 *      +--caller times out: withdrawn--> never committed: hook runs, writer skips it
 * </pre>
 * A request whose block write failed stays undecided (RocksDB may have its record); its hook
 * never runs, and the start-up orphan sweep settles its shards against the ledger.
 */
public final class LedgerService implements LedgerWriter {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerService.class);
    /** Ledger id of the network token (TokenService balances). */
    public static final Hash256 NETWORK_TOKEN = Sha3.hash("stoq.network-token.v1".getBytes(StandardCharsets.UTF_8));
    /** Supply minted to the operator account at setup. */
    public static final long NETWORK_TOKEN_SUPPLY = 1_000_000_000L;
    private static final int MAX_RETRIES = 3;

    private final LifeCycle life = new LifeCycle("ledger");
    private final Ledger ledger;
    private final CustodialKeys keys;
    private final SigningKey operator;
    private final SigningKey nodeKey;
    private final Clock clock;
    private final Duration blockInterval;
    private final Duration commitTimeout;
    private final int maxBlockRequests;
    private final LedgerEvents events;
    private final LedgerReader reader;
    /** The events' subscription to the ledger's applied blocks; closed before the ledger. */
    private AutoCloseable eventFeed = () -> { };
    private final LinkedBlockingQueue<LedgerRequest> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean stopping;
    /** Writer thread only: whether the loss of the node's right to propose was logged. */
    private boolean proposerWarned;
    /** Writes each built block and completes its requests, in order, while the writer builds the next. */
    private final ExecutorService appender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stoq-ledger-appender");
        t.setDaemon(true);
        return t;
    });
    /** Writer thread only: the block handed to the appender last, until it is known not written. */
    private Ledger.Proposal tip;
    /** Writer thread only: the appender's task for {@link #tip}. */
    private Future<?> lastAppend = CompletableFuture.completedFuture(null);
    /** Set by the appender when a write failed; the writer clears it once it dropped the block built on it. */
    private volatile boolean appendFailed;
    /** Each written by one thread (the writer, or the appender for append and settle), read by {@link #timings()}. */
    private volatile long blocksTimed;
    private volatile long waitNanos;
    private volatile long signNanos;
    private volatile long buildNanos;
    private volatile long stallNanos;
    private volatile long appendNanos;
    private volatile long settleNanos;

    /**
     * Where the ledger writer's time went, summed since it started. The writer thread: waiting for
     * requests (the first one, then the rest of the block's interval), planning and signing the
     * txs, building the block (the ledger's checks, apply and header signature, in {@code ledger}),
     * and waiting for the appender to finish the block before. The appender thread: writing each
     * block (synced write and events) and completing its requests.
     */
    public record WriterTimings(long blocks, Duration waiting, Duration signing, Duration building, Duration stalled,
            Duration appending, Duration settling, Ledger.Timings ledger) {
        /** This minus {@code earlier}: the blocks written in between. */
        public WriterTimings since(WriterTimings earlier) {
            return new WriterTimings(blocks - earlier.blocks, waiting.minus(earlier.waiting), signing.minus(earlier.signing),
                    building.minus(earlier.building), stalled.minus(earlier.stalled), appending.minus(earlier.appending),
                    settling.minus(earlier.settling), ledger.since(earlier.ledger));
        }
    }

    /** How the service batches and waits; from the node's {@code ledger.*} config keys. */
    public record Settings(String network, Duration blockInterval, int maxBlockTxs, Duration commitTimeout) {
        /** The {@code ledger.*} keys of {@code config}, for a ledger founding {@code network} at genesis. */
        public static Settings from(NodeConfig config, String network) {
            return new Settings(network, config.get(NodeConfigKeys.LEDGER_BLOCK_INTERVAL), config.get(NodeConfigKeys.LEDGER_MAX_BLOCK_TXS),
                    config.get(NodeConfigKeys.LEDGER_COMMIT_TIMEOUT));
        }
    }

    private LedgerService(Ledger ledger, CustodialKeys keys, SigningKey operator, SigningKey nodeKey, Clock clock, Settings settings,
            LedgerEvents events) {
        this.ledger = ledger;
        this.keys = keys;
        this.operator = operator;
        this.nodeKey = nodeKey;
        this.clock = clock;
        this.blockInterval = settings.blockInterval();
        this.commitTimeout = settings.commitTimeout();
        this.maxBlockRequests = Math.max(1, Math.min(settings.maxBlockTxs(), Limits.MAX_BLOCK_TXS / 3));
        this.events = events;
        this.reader = LedgerReader.of(ledger);
        this.writer = new Thread(this::run, "stoq-ledger-writer");
        this.writer.setDaemon(true);
    }

    /**
     * Opens (or creates, with genesis and setup) the ledger under {@code dir} and starts the writer.
     * Refuses ({@link NodeErrorCode#CORRUPT_DATA}) a damaged ledger, a missing or foreign operator
     * key, and custodial keys the ledger knows but {@code keys} lacks. The node proposes with its
     * Falcon key; its chain is registered at setup and the root fixed at genesis.
     */
    public static LedgerService start(Path dir, CustodialKeys keys, NodeCredentials node, Clock clock, Settings settings)
            throws NodeException {
        SigningKey nodeKey = node.keys().falcon();
        List<X509Certificate> nodeChain = node.chain();
        X509Certificate rootCert = node.root();
        requireVoter(nodeChain);
        Ledger ledger;
        try {
            ledger = Ledger.open(dir, LOG::info, LOG::warn).parallelSignatures(true);
        } catch (LedgerException e) {
            if (e.code() == LedgerErrorCode.CORRUPT) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the ledger is damaged: " + e.getMessage()
                        + "; the node will not start on it (run `stoq ledger verify " + dir + "`, see docs/operations.md)", e);
            }
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot open the ledger in " + dir + ": " + e.getMessage(), e);
        }
        try {
            SigningKey operator = keys.operatorKey(ledger.height() < 0);
            if (ledger.height() >= 0) {
                requireCustody(ledger, keys, operator);
            }
            LedgerEvents events = new LedgerEvents(keys, LedgerReader.of(ledger));
            LedgerService s = new LedgerService(ledger, keys, operator, nodeKey, clock, settings, events);
            s.life.transition(LifeCycle.State.STARTING);
            if (ledger.height() < 0) {
                s.bootstrap(node, settings.network());
            }
            // From here on every durable block becomes events, whether this node built it or appended it.
            s.eventFeed = ledger.onApplied(events::publish);
            s.writer.start();
            s.life.transition(LifeCycle.State.RUNNING);
            return s;
        } catch (NodeException | RuntimeException e) {
            ledger.close();
            throw e;
        }
    }

    /**
     * Until consensus arrives every node is its network's only proposer, and only voters propose
     * (BlockRules): a node certificate without the voter role could never commit a block.
     */
    private static void requireVoter(List<X509Certificate> nodeChain) throws NodeException {
        NodeClaims claims;
        try {
            claims = NodeIdentityExtension.from(nodeChain.get(0));
        } catch (CryptoException | IndexOutOfBoundsException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "the node certificate carries no readable node identity", e);
        }
        if (!claims.roles().contains(NodeRole.VOTER)) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "node " + claims.nodeId() + "'s certificate does not grant the voter role "
                    + "(it grants " + String.join(",", claims.roles().stream().map(NodeRole::wireName).sorted().toList())
                    + "), and this node proposes every block of its ledger: issue it a certificate from a CSR made with "
                    + "`stoq node csr --roles storage,voter,gateway`");
        }
    }

    /**
     * The operator key must be the ledger's admin, and every account the operator registered (the
     * custodial accounts) must still have its key here: a node that made a fresh key for such an
     * account would sign as a stranger and its owner's assets would be out of reach.
     */
    private static void requireCustody(Ledger ledger, CustodialKeys keys, SigningKey operator) throws NodeException {
        requireCustody(LedgerReader.of(ledger), keys, operator);
    }

    /**
     * {@link #requireCustody(Ledger, CustodialKeys, SigningKey)} on any applied ledger: the Raft
     * writer's node runs it at start too, once its custodial keys come from the network's account
     * records ({@link CustodialKeys#useNetwork}), so a key found neither here nor on the network fails the start.
     */
    public static void requireCustody(LedgerReader ledger, CustodialKeys keys, SigningKey operator) throws NodeException {
        Hash256 operatorId = operator.verifyingKey().fingerprint();
        try {
            StateRecords.Account admin = ledger.state().account(operatorId);
            if (admin == null || admin.role() != Role.ADMIN) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, keys.operatorKeyFile() + " is not the key this ledger was created "
                        + "with (it is not an admin of the ledger); restore the original file");
            }
            List<Hash256> registered = new ArrayList<>();
            LedgerStore store = ledger.store();
            for (Hash256 txId : store.indexed(Indexes.ACCOUNT, operatorId)) {
                StoredTx t = store.tx(txId);
                if (t != null && t.tx().signer().equals(operatorId) && t.tx().body() instanceof TxBody.AccountRegister r
                        && r.role() == Role.MEMBER) {
                    registered.add(Sha3.hash(r.spki()));
                }
            }
            keys.requireKeysFor(registered);
        } catch (LedgerException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "cannot check the custodial keys against the ledger: " + e.getMessage(), e);
        }
    }

    private void bootstrap(NodeCredentials node, String network) throws NodeException {
        List<X509Certificate> nodeChain = node.chain();
        X509Certificate rootCert = node.root();
        try {
            String nodeId = NodeIdentityExtension.from(nodeChain.get(0)).nodeId();
            ledger.genesis(operator, network, List.of(operator.publicKey().getEncoded()), rootCert.getEncoded(), clock.instant());
            List<byte[]> chain = new ArrayList<>();
            for (X509Certificate c : nodeChain) {
                chain.add(c.getEncoded());
            }
            List<Transaction> setup = List.of(
                    Transaction.sign(ledger.network(), operator, 2, new TxBody.NodeRegister(chain)),
                    Transaction.sign(ledger.network(), operator, 3, new TxBody.AssetCreate(NETWORK_TOKEN, "stoq network token", NETWORK_TOKEN,
                            new byte[0], NETWORK_TOKEN_SUPPLY, AssetPolicy.CREATOR_ONLY)),
                    // the network's first data-key epoch, this node its only member
                    Transaction.sign(ledger.network(), operator, 4, io.stoq.node.keys.EpochKeys.newEpoch(1,
                            java.util.Map.of(nodeId, node.keys().kem().getPublic()))));
            Ledger.CommitResult r = ledger.commit(setup, clock.instant(), operator);
            if (!r.rejected().isEmpty()) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "ledger setup refused: " + r.rejected().get(0).message());
            }
            LOG.info("ledger created: genesis and setup block, node registered, key epoch 1");
        } catch (LedgerException | CryptoException | CertificateEncodingException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create the ledger: " + e.getMessage(), e);
        }
    }

    /** The committed ledger (read it from any thread; only the writer thread commits). */
    public Ledger ledger() {
        return ledger;
    }

    @Override
    public LedgerReader reader() {
        return reader;
    }

    /** The writer's {@link WriterTimings} so far (for {@code stoq bench uploads}). */
    public WriterTimings timings() {
        return new WriterTimings(blocksTimed, Duration.ofNanos(waitNanos), Duration.ofNanos(signNanos), Duration.ofNanos(buildNanos),
                Duration.ofNanos(stallNanos), Duration.ofNanos(appendNanos), Duration.ofNanos(settleNanos), ledger.timings());
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
     * The key the block at {@code time} will be proposed with: the node while the ledger lets it
     * propose (registered, not revoked, a voter, certificate not expired at {@code time}; see
     * BlockRules), else the operator account, whose blocks cannot be proven to outsiders.
     */
    private SigningKey proposer(LedgerState state, Instant time) throws LedgerException {
        String problem = BlockRules.proposerProblem(state, nodeKey.verifyingKey().fingerprint(), time);
        if (problem == null) {
            return nodeKey;
        }
        if (state.nodeBySigner(nodeKey.verifyingKey().fingerprint()) != null && !proposerWarned) {
            proposerWarned = true;
            LOG.warn("{}: blocks are proposed by the operator account from now on, and proofs of their txs cannot be checked "
                    + "against the root certificate", problem);
        }
        return operator;
    }

    @Override
    public CompletableFuture<Committed> submit(SigningKey signer, List<SigningKey> mustExist, TxBody body) {
        return enqueue(new LedgerRequest(signer, List.copyOf(mustExist), body, null)).done;
    }

    private LedgerRequest enqueue(LedgerRequest r) {
        if (stopping || life.state() != LifeCycle.State.RUNNING) {
            r.refuse(new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger is shutting down"));
            return r;
        }
        queue.add(r);
        return r;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: the run-once hook runs before this method throws when that is known by then, else
     * later on the writer thread (the wait timed out while its block was being written, and the
     * block then left it out). Waits at most {@code ledger.commit-timeout}.
     */
    @Override
    public Committed commit(SigningKey signer, List<SigningKey> mustExist, TxBody body, Runnable ifNeverCommitted)
            throws NodeException, LedgerException {
        LedgerRequest r = enqueue(new LedgerRequest(signer, List.copyOf(mustExist), body, ifNeverCommitted));
        try {
            return r.done.get(commitTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TxRejectedException t) {
                throw new TxRejectedException(t.reason(), t.detail()); // thrown here, with this caller's stack
            }
            if (e.getCause() instanceof NodeException n) {
                throw new NodeException(n.code(), n.getMessage(), n);
            }
            throw new NodeException(NodeErrorCode.IO_ERROR, "ledger commit failed", e.getCause());
        } catch (TimeoutException e) {
            if (r.withdraw()) {
                queue.remove(r);
                r.neverCommitted();
                throw new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger did not take the change within " + commitTimeout
                        + "; nothing was recorded");
            }
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger did not confirm the change within " + commitTimeout
                    + "; its block is being written and the change may still be recorded");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (r.withdraw()) {
                queue.remove(r);
                r.neverCommitted();
            }
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "interrupted while waiting for the ledger");
        }
    }

    private void run() {
        List<LedgerRequest> retry = new ArrayList<>();
        while (!stopping || !queue.isEmpty() || !retry.isEmpty()) {
            try {
                long waitStart = System.nanoTime();
                List<LedgerRequest> batch = new ArrayList<>(retry);
                retry.clear();
                if (batch.isEmpty()) {
                    LedgerRequest first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null || !first.take()) {
                        continue;
                    }
                    batch.add(first);
                }
                // The block is cut once its oldest request has waited blockInterval: under load the
                // requests queued while the previous block was written have waited that long
                // already, so they commit at once, together (group commit without added latency).
                long deadline = batch.get(0).queuedAt + blockInterval.toNanos();
                while (batch.size() < maxBlockRequests) {
                    long wait = deadline - System.nanoTime();
                    LedgerRequest next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    if (next.take()) {
                        batch.add(next);
                    }
                }
                waitNanos += System.nanoTime() - waitStart;
                try {
                    FaultInjection.at(FaultInjection.LEDGER_BEFORE_COMMIT, batch.size());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the batch is taken: commit it, then see the interrupt
                }
                retry.addAll(proposeBatch(batch));
            } catch (InterruptedException e) {
                if (stopping) {
                    break;
                }
            } catch (RuntimeException e) {
                LOG.error("ledger writer failure", e);
            }
        }
        awaitAppend();
        appender.shutdown();
        NodeException gone = new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger is shutting down");
        for (LedgerRequest r : retry) {
            r.refuse(gone);
        }
        LedgerRequest r;
        while ((r = queue.poll()) != null) {
            if (r.take()) {
                r.refuse(gone);
            }
        }
    }

    /**
     * Plans, signs and builds one block of {@code batch} on top of the block being written (if
     * any), settles the requests validation refused, and hands the block to the appender once the
     * one before it is written. Returns requests to retry in the next block.
     */
    private List<LedgerRequest> proposeBatch(List<LedgerRequest> batch) {
        long t0 = System.nanoTime();
        LedgerState state;
        try {
            state = ledger.stateAfter(tip);
        } catch (LedgerException e) {
            // The block being written was not (its append failed, or another took its height): plan on the head.
            awaitAppend();
            appendFailed = false;
            tip = null;
            state = ledger.state();
        }
        Map<Hash256, Long> nonces = new HashMap<>();
        Set<Hash256> registered = new HashSet<>();
        List<SignerBatches.Unsigned> plan = new ArrayList<>();
        for (LedgerRequest r : batch) {
            try {
                for (SigningKey k : concat(r.signer, r.mustExist)) {
                    Hash256 id = k.verifyingKey().fingerprint();
                    if (!registered.contains(id) && state.account(id) == null && state.nodeBySigner(id) == null && !k.equals(operator)) {
                        plan.add(new SignerBatches.Unsigned(null, operator, nextNonce(state, nonces, operator),
                                new TxBody.AccountRegister(k.publicKey().getEncoded(), Role.MEMBER)));
                    }
                    registered.add(id);
                }
                plan.add(new SignerBatches.Unsigned(r, r.signer, nextNonce(state, nonces, r.signer), r.body));
            } catch (LedgerException e) {
                r.refuse(new NodeException(NodeErrorCode.IO_ERROR, "cannot prepare the ledger transaction", e));
            }
        }
        Transaction[] signed = new Transaction[plan.size()];
        CryptoException[] failed = new CryptoException[plan.size()];
        SignerBatches.sign(ledger.network(), plan, signed, failed);
        List<Transaction> txs = new ArrayList<>(plan.size());
        Map<LedgerRequest, Transaction> txOf = new IdentityHashMap<>();
        for (int i = 0; i < plan.size(); i++) {
            LedgerRequest r = plan.get(i).request();
            if (failed[i] != null) {
                if (r != null) {
                    r.refuse(new NodeException(NodeErrorCode.IO_ERROR, "cannot prepare the ledger transaction", failed[i]));
                }
                continue; // a registration that failed: its request is refused as UNKNOWN_SIGNER by validation
            }
            txs.add(signed[i]);
            if (r != null) {
                txOf.put(r, signed[i]);
            }
        }
        if (txs.isEmpty()) {
            return List.of();
        }
        long t1 = System.nanoTime();
        signNanos += t1 - t0;
        Ledger.Proposal proposal;
        try {
            Instant now = clock.instant();
            proposal = ledger.build(txs, now, proposer(state, now), tip);
        } catch (LedgerException e) {
            // Nothing was written. Undecided all the same, as a failed commit always was: no hook
            // runs, and the start-up orphan sweep settles the shards against the ledger.
            LOG.error("block build failed", e);
            undecided(txOf.keySet(), e);
            return List.of();
        }
        long t2 = System.nanoTime();
        buildNanos += t2 - t1;
        Map<Hash256, StateMachine.Rejection> rejected = new HashMap<>();
        for (StateMachine.Rejection rej : proposal.rejected()) {
            rejected.put(rej.tx().id(), rej);
        }
        List<LedgerRequest> retry = new ArrayList<>();
        Map<LedgerRequest, Transaction> accepted = new IdentityHashMap<>();
        for (Map.Entry<LedgerRequest, Transaction> e : txOf.entrySet()) {
            LedgerRequest r = e.getKey();
            StateMachine.Rejection rej = rejected.get(e.getValue().id());
            if (rej == null) {
                accepted.put(r, e.getValue());
            } else if (rej.reason() == RejectReason.NONCE_GAP && r.retries++ < MAX_RETRIES) {
                retry.add(r); // an earlier tx of the same signer in this block was refused
            } else {
                r.refuse(new TxRejectedException(rej.reason(), rej.message()));
            }
        }
        if (proposal.block().txs().isEmpty()) {
            return retry; // every tx refused: no block
        }
        // One block written while the next is built: wait for the previous write before queueing this one.
        awaitAppend();
        if (appendFailed) {
            // Built on a block that was not written, so it cannot be: nothing of it is recorded.
            appendFailed = false;
            tip = null;
            NodeException notWritten = new NodeException(NodeErrorCode.UNAVAILABLE,
                    "the ledger could not write the block before this change's; nothing was recorded");
            accepted.keySet().forEach(r -> r.refuse(notWritten));
            return retry;
        }
        tip = proposal;
        lastAppend = appender.submit(() -> appendAndSettle(proposal, accepted));
        return retry;
    }

    /** Appender thread: writes {@code proposal} and completes its requests, or leaves them undecided. */
    private void appendAndSettle(Ledger.Proposal proposal, Map<LedgerRequest, Transaction> accepted) {
        long t0 = System.nanoTime();
        try {
            try {
                FaultInjection.at(FaultInjection.LEDGER_BEFORE_APPEND, proposal.header().height());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the block is built and its requests wait: write it
            }
            ledger.append(proposal);
        } catch (LedgerException | RuntimeException e) {
            // Undecided, not refused: a failed synced write may still be in RocksDB's log. No hook runs.
            LOG.error("block {} write failed", proposal.header().height(), e);
            appendFailed = true;
            undecided(accepted.keySet(), e);
            return;
        }
        long t1 = System.nanoTime();
        appendNanos += t1 - t0;
        Map<Hash256, Integer> index = new HashMap<>();
        List<Transaction> txs = proposal.block().txs();
        for (int i = 0; i < txs.size(); i++) {
            index.put(txs.get(i).id(), i);
        }
        for (Map.Entry<LedgerRequest, Transaction> e : accepted.entrySet()) {
            Hash256 id = e.getValue().id();
            e.getKey().done.complete(new Committed(id, proposal.header().height(), index.get(id), proposal.header().time()));
        }
        settleNanos += System.nanoTime() - t1;
        blocksTimed++;
    }

    /**
     * Writer thread: waits until the block handed to the appender last is written (or failed).
     * Not interruptible: the requests the writer holds are owed an answer, and the write ends soon.
     */
    private void awaitAppend() {
        long t0 = System.nanoTime();
        boolean interrupted = false;
        while (true) {
            try {
                lastAppend.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                LOG.error("ledger appender failure", e.getCause());
                appendFailed = true;
                break;
            }
        }
        stallNanos += System.nanoTime() - t0;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void undecided(Iterable<LedgerRequest> requests, Exception cause) {
        for (LedgerRequest r : requests) {
            r.done.completeExceptionally(new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger could not commit: "
                    + cause.getMessage(), cause));
        }
    }

    private static List<SigningKey> concat(SigningKey first, List<SigningKey> rest) {
        List<SigningKey> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static long nextNonce(LedgerState state, Map<Hash256, Long> nonces, SigningKey k) throws LedgerException {
        Hash256 id = k.verifyingKey().fingerprint();
        Long last = nonces.get(id);
        long next = (last == null ? state.nonce(id) : last) + 1;
        nonces.put(id, next);
        return next;
    }

    /** Stops taking work, commits what was queued, stops the writer and closes the ledger. */
    @Override
    public void close() {
        if (!life.beginClose()) {
            return;
        }
        stopping = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            eventFeed.close();
        } catch (Exception e) {
            LOG.debug("event feed close: {}", e.toString());
        }
        events.close();
        ledger.close();
        try {
            life.transition(LifeCycle.State.CLOSED);
        } catch (NodeException e) {
            LOG.debug("ledger close: {}", e.getMessage());
        }
    }
}
