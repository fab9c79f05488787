package io.stoq.consensus;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.validate.RejectReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's view of the network's one ledger, kept by Apache Ratis: the port the node's ledger
 * writer calls in {@code ledger.mode=raft}.
 *
 * <pre>
 *   submit(txs) on any node
 *     leader:    BlockProposer queue -> build (signed by this node) -> one BLOCK log entry
 *     follower:  read-only SUBMIT request over mutual TLS -> the leader's BlockProposer (Ratis client retries, follows the leader)
 *   Raft commits the entry -> every replica's LedgerStateMachine appends (or refuses) it -> outcomes per tx
 * </pre>
 *
 * Txs whose block lost (RETRY) are submitted again, up to {@code submitRetries} times, with the
 * txs of the same submission that a lost block left with a nonce gap; what is then still RETRY is
 * reported as such. Submit one signer's dependent txs in one call: across calls their order is not kept. Listeners (non-voting peers) apply every block too.
 *
 * <p>Thread-safe. Closing stops the server, the client and the proposer, and closes the ledger.
 */
public final class RaftLedger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftLedger.class);

    /**
     * Largest log entry a leader appends (Ratis's appender buffer, whose default is 4 MiB): a
     * block's txs ({@link BlockProposer#MAX_BLOCK_TX_BYTES}) plus room for its header and framing.
     */
    static final int LOG_ENTRY_LIMIT = BlockProposer.MAX_BLOCK_TX_BYTES + (1 << 20);

    private final RaftLedgerConfig config;
    private final RaftGroup group;
    private final RaftPeerId selfId;
    private final LedgerStateMachine stateMachine;
    private final RaftServer server;
    private final RaftClient client;
    private final BlockProposer proposer;
    private final ClientId proposerClient = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    private RaftLedger(RaftLedgerConfig config, RaftGroup group, LedgerStateMachine stateMachine, RaftServer server, RaftClient client,
            SigningKey proposerKey, Clock clock) {
        this.config = config;
        this.group = group;
        this.selfId = RaftPeerId.valueOf(config.self());
        this.stateMachine = stateMachine;
        this.server = server;
        this.client = client;
        this.proposer = new BlockProposer(stateMachine::ledger, proposerKey, config, clock, this::isLeader, this::isLeaderReady,
                this::propose, this::currentTerm);
        stateMachine.proposer(proposer);
    }

    /**
     * Starts this node's Raft server over the ledger in {@code ledgerDir} (created empty if
     * missing: its blocks then come from the group, or a snapshot). {@code proposerKey} signs the
     * blocks this node builds when it leads (its Falcon node key: the ledger accepts blocks only
     * from admins and registered voters).
     */
    public static RaftLedger start(RaftLedgerConfig config, Path ledgerDir, SigningKey proposerKey, RaftTls tls, Clock clock)
            throws ConsensusException {
        return start(config, ledgerDir, proposerKey, tls, clock, why -> { });
    }

    /**
     * As {@link #start(RaftLedgerConfig, Path, SigningKey, RaftTls, Clock)}, with what to do when
     * this replica cannot apply a committed entry ({@code failStop}, called once, on a thread of
     * its own, with a {@link ConsensusErrorCode#LEDGER_FAILURE}): the replica has stopped applying
     * by then, and the node must stop too (close this ledger, exit with the code). See
     * {@code LedgerStateMachine}, "Fail-stop".
     */
    public static RaftLedger start(RaftLedgerConfig config, Path ledgerDir, SigningKey proposerKey, RaftTls tls, Clock clock,
            Consumer<ConsensusException> failStop) throws ConsensusException {
        config.validate();
        return start(config, config.selfPeer(), false, ledgerDir, proposerKey, tls, clock, failStop);
    }

    /**
     * Starts a node that is not (yet) in the group {@code config.peers()} lists: its Raft server
     * starts with no configuration of its own and takes part once a member adds it with
     * {@link RaftMembers#add} (the leader then sends it a snapshot or the log); its client reaches
     * the group through the listed members meanwhile. After a restart the server recovers the
     * configuration it was given, so a node that joined once is a member again at once.
     */
    public static RaftLedger join(RaftLedgerConfig config, RaftPeerSpec self, Path ledgerDir, SigningKey proposerKey, RaftTls tls,
            Clock clock) throws ConsensusException {
        return join(config, self, ledgerDir, proposerKey, tls, clock, why -> { });
    }

    /** As {@link #join(RaftLedgerConfig, RaftPeerSpec, Path, SigningKey, RaftTls, Clock)}, with the fail-stop of {@link #start}. */
    public static RaftLedger join(RaftLedgerConfig config, RaftPeerSpec self, Path ledgerDir, SigningKey proposerKey, RaftTls tls,
            Clock clock, Consumer<ConsensusException> failStop) throws ConsensusException {
        if (!self.nodeId().equals(config.self()) || config.peers().stream().anyMatch(p -> p.nodeId().equals(self.nodeId()))) {
            throw new ConsensusException(ConsensusErrorCode.BAD_CONFIG, "node " + self.nodeId() + " joins the group " + config.peers()
                    + " only when it is not listed in it");
        }
        List<RaftPeerSpec> all = new ArrayList<>(config.peers());
        all.add(self);
        config.withPeers(all).validate();
        return start(config, self, true, ledgerDir, proposerKey, tls, clock, failStop);
    }

    private static RaftLedger start(RaftLedgerConfig config, RaftPeerSpec me, boolean joining, Path ledgerDir, SigningKey proposerKey,
            RaftTls tls, Clock clock, Consumer<ConsensusException> failStop) throws ConsensusException {
        RaftGroup group = group(config);
        Parameters parameters = GrpcFactory.newRaftParameters(tls.grpcConfig());
        // TLS admits at the handshake; this re-checks revocation on each call and message of open
        // connections, and serves admin calls only to the members this server's configuration lists.
        AtomicReference<RaftServer> built = new AtomicReference<>();
        GrpcConfigKeys.Server.setServicesCustomizer(parameters, tls.servicesCustomizer(id -> isMember(built.get(), group.getGroupId(), id)));
        RaftProperties props = properties(config, me);
        LedgerStateMachine sm = new LedgerStateMachine(config.self(), ledgerDir, failStop);
        RaftServer server = null;
        RaftClient client = null;
        try {
            boolean existing = Files.isDirectory(config.raftDir().resolve(group.getGroupId().getUuid().toString()));
            // A joining node starts with the group's id and no members: it waits for the leader to add it.
            RaftGroup own = joining ? RaftGroup.valueOf(group.getGroupId()) : group;
            server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(config.self())).setGroup(own).setStateMachine(sm)
                    .setProperties(props).setParameters(parameters)
                    .setOption(existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT).build();
            built.set(server);
            server.start();
            client = RaftClient.newBuilder().setRaftGroup(group).setProperties(props).setParameters(parameters)
                    // Retries (to the next leader) for as long as a submission may wait.
                    .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                            (int) Math.max(1, config.submitTimeout().toMillis() / 200), TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                    .build();
            return new RaftLedger(config, group, sm, server, client, proposerKey, clock);
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(client, e);
            closeAfterFailure(server, e);
            throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "cannot start the Raft server of node " + config.self() + " on "
                    + me.address() + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code nodeId} is a voter or listener in {@code server}'s configuration of the group now. */
    private static boolean isMember(RaftServer server, RaftGroupId groupId, String nodeId) {
        if (server == null) {
            return false;
        }
        try {
            return server.getDivision(groupId).getRaftConf().getPeer(RaftPeerId.valueOf(nodeId), RaftPeerRole.FOLLOWER,
                    RaftPeerRole.LISTENER) != null;
        } catch (IOException e) {
            return false; // no division (yet, or any more): nobody may change the group through this server
        }
    }

    private static RaftGroup group(RaftLedgerConfig config) {
        List<RaftPeer> peers = new ArrayList<>();
        for (RaftPeerSpec p : config.peers()) {
            peers.add(RaftPeer.newBuilder().setId(p.nodeId()).setAddress(p.address().getHostString() + ":" + p.address().getPort())
                    .setStartupRole(p.voter() ? RaftPeerRole.FOLLOWER : RaftPeerRole.LISTENER).build());
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(config.group()), peers);
    }

    private static RaftProperties properties(RaftLedgerConfig config, RaftPeerSpec me) {
        RaftProperties props = new RaftProperties();
        RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
        RaftServerConfigKeys.setStorageDir(props, List.of(config.raftDir().toFile()));
        GrpcConfigKeys.Server.setHost(props, me.address().getHostString());
        GrpcConfigKeys.Server.setPort(props, me.address().getPort());
        // Elections after 1-2 s of silence, so a busy 2-core machine's pauses do not depose a live leader.
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(config.electionTimeoutMin().toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(config.electionTimeoutMax().toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, config.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, config.snapshotsKept());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        RaftServerConfigKeys.Log.setPurgeGap(props, 1);
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf(config.logSegmentBytes()));
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(props, true);
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(props, SizeInBytes.valueOf(LOG_ENTRY_LIMIT));
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(config.submitTimeout().toMillis(), TimeUnit.MILLISECONDS));
        return props;
    }

    /** Sends a block this node built to its own server, the leader: it enters the log in the order built. */
    private CompletableFuture<RaftClientReply> propose(Block block) {
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(proposerClient).setServerId(selfId)
                .setGroupId(group.getGroupId()).setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(Wire.block(block))))
                .setType(RaftClientRequest.writeRequestType()).build();
        try {
            return server.submitClientRequestAsync(request).thenApply(reply -> {
                if (!reply.isSuccess()) {
                    throw new CompletionException(reply.getException());
                }
                return reply;
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Hands {@code txs} to the leader (this node or another) and completes with one outcome per tx,
     * in order, once every one is decided and this replica has applied the blocks holding the
     * committed ones: COMMITTED at a height, REJECTED with the validation
     * reason, or RETRY when its block still lost after {@code submitRetries} new tries. Fails
     * with TIMEOUT when no leader decided within {@code submitTimeout}, UNAVAILABLE when the group
     * cannot be reached, CLOSED after close.
     */
    public CompletableFuture<List<TxOutcome>> submit(List<Transaction> txs) {
        // Answer only once this replica holds every committed tx too: whoever submitted here reads its writes here.
        return submit(txs, config.submitRetries()).thenCompose(outcomes -> {
            long highest = outcomes.stream().filter(o -> o.status() == TxOutcome.Status.COMMITTED).mapToLong(TxOutcome::height).max()
                    .orElse(-1);
            return stateMachine.awaitHeight(highest).thenApply(v -> outcomes);
        });
    }

    private CompletableFuture<List<TxOutcome>> submit(List<Transaction> txs, int retriesLeft) {
        return once(txs).thenCompose(outcomes -> {
            // A lost block takes its txs with it; a later tx of the same signer in this submission
            // then finds a nonce gap. Both go again, in their order.
            boolean lost = outcomes.stream().anyMatch(o -> o.status() == TxOutcome.Status.RETRY);
            List<Transaction> again = new ArrayList<>();
            for (int i = 0; i < txs.size(); i++) {
                TxOutcome o = outcomes.get(i);
                if (o.status() == TxOutcome.Status.RETRY
                        || (lost && o.status() == TxOutcome.Status.REJECTED && o.reason() == RejectReason.NONCE_GAP)) {
                    again.add(txs.get(i));
                }
            }
            if (again.isEmpty() || retriesLeft == 0) {
                return CompletableFuture.completedFuture(outcomes);
            }
            return submit(again, retriesLeft - 1).thenApply(retried -> {
                Map<io.stoq.crypto.hash.Hash256, TxOutcome> byId = new HashMap<>();
                retried.forEach(o -> byId.put(o.txId(), o));
                return outcomes.stream().map(o -> byId.getOrDefault(o.txId(), o)).toList();
            });
        });
    }

    /** One round: straight to the local proposer when this node leads, else a read-only SUBMIT that Ratis routes to the leader. */
    private CompletableFuture<List<TxOutcome>> once(List<Transaction> txs) {
        if (isLeader()) {
            return proposer.submit(txs);
        }
        return client.async().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(Wire.submit(txs)))).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "the leader did not take the txs: "
                        + reply.getException()));
            }
            try {
                return Wire.decodeOutcomes(reply.getMessage().getContent().toByteArray());
            } catch (ConsensusException e) {
                throw new CompletionException(e);
            }
        });
    }

    /** {@link #submit} and wait, at most the submit timeout. */
    public List<TxOutcome> submitAndWait(List<Transaction> txs) throws ConsensusException {
        try {
            return submit(txs).get(config.submitTimeout().toMillis() * (config.submitRetries() + 1L), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConsensusException(ConsensusErrorCode.CLOSED, "interrupted while waiting for the ledger");
        } catch (TimeoutException e) {
            throw new ConsensusException(ConsensusErrorCode.TIMEOUT, "no outcome for " + txs.size() + " txs within the submit timeout");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
            if (cause instanceof ConsensusException ce) {
                throw ce;
            }
            throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "the Raft group did not answer: " + cause, cause);
        }
    }

    /**
     * Proposes a block built elsewhere (the network's genesis and the block registering its first
     * voters, built and signed by an admin) as a log entry; true when every replica appended it.
     */
    public boolean proposeBlock(Block block) throws ConsensusException {
        try {
            RaftClientReply reply = client.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(Wire.block(block))));
            if (!reply.isSuccess()) {
                throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "the group refused block " + block.header().height() + ": "
                        + reply.getException());
            }
            return Wire.decodeApplied(reply.getMessage().getContent().toByteArray())[0] == 1;
        } catch (IOException e) {
            throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "cannot propose block " + block.header().height() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Calls {@code listener} with each block this replica appends, in order, on the apply thread (it must not block). */
    public void onApplied(Consumer<Block> listener) {
        stateMachine.onApplied(listener);
    }

    /** This replica's ledger (read it; never write it: only the state machine appends). */
    public Ledger ledger() {
        return stateMachine.ledger();
    }

    public String nodeId() {
        return config.self();
    }

    public boolean isLeader() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    private long currentTerm() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().getCurrentTerm();
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown: never judge a proposal lost by its term
        }
    }

    private boolean isLeaderReady() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    /** The leader this replica knows of, if any. */
    public Optional<String> leader() {
        try {
            RaftPeerId id = server.getDivision(group.getGroupId()).getInfo().getLeaderId();
            return Optional.ofNullable(id).map(RaftPeerId::toString);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The group's membership: who is in it, and adding or removing a node. */
    public RaftMembers members() {
        return new RaftMembers(server, group.getGroupId(), client);
    }

    /** True once this node is in the group's configuration (as voter or listener), as its own server knows it. */
    public boolean isMember() {
        try {
            return members().current().contains(config.self());
        } catch (ConsensusException e) {
            return false;
        }
    }

    /** The last log index this replica applied. */
    public long appliedIndex() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().getLastAppliedIndex();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The failure that stopped this replica's apply (fail-stop), if any. */
    public Optional<ConsensusException> failure() {
        return stateMachine.failure();
    }

    /** Blocks this replica's apply refused so far (stale proposals of a deposed leader, forged entries). */
    public long refusedBlocks() {
        return stateMachine.refusedBlocks();
    }

    /** Takes a snapshot now (operators and tests; Ratis also takes one every {@code snapshotEvery} entries). */
    public long takeSnapshot() throws ConsensusException {
        try {
            RaftClientReply reply = client.getSnapshotManagementApi(selfId).create(30_000);
            if (!reply.isSuccess()) {
                throw new ConsensusException(ConsensusErrorCode.SNAPSHOT_FAILURE, "snapshot of " + config.self() + " failed: "
                        + reply.getException());
            }
            return reply.getLogIndex();
        } catch (IOException e) {
            throw new ConsensusException(ConsensusErrorCode.SNAPSHOT_FAILURE, "snapshot of " + config.self() + " failed: " + e.getMessage(),
                    e);
        }
    }

    /** The snapshot directories this replica keeps, oldest first (tests and operators). */
    public List<Path> snapshotDirs() throws ConsensusException {
        try {
            return ((LedgerSnapshots) stateMachine.getStateMachineStorage()).snapshots();
        } catch (IOException e) {
            throw new ConsensusException(ConsensusErrorCode.SNAPSHOT_FAILURE, e.getMessage(), e);
        }
    }

    /** The first log index this replica still holds (after purges). */
    public long firstLogIndex() {
        try {
            return server.getDivision(group.getGroupId()).getRaftLog().getStartIndex();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Stops proposing, then closes the client and the server. A part that fails to close is
     * logged (the caller is shutting down and has no use for an exception, but an operator
     * should know a Raft server may still hold its port or its log) and the rest still close.
     */
    @Override
    public void close() {
        proposer.close();
        closeLogged(client, "client");
        closeLogged(server, "server");
    }

    private void closeLogged(AutoCloseable c, String what) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("node {}: closing the Raft {} failed: {}", config.self(), what, e.toString(), e);
        }
    }

    /** Closes what a failed start built, keeping a close failure beside the start's own. */
    private static void closeAfterFailure(AutoCloseable c, Exception cause) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }
}
