package io.stoq.node.members;

import io.stoq.consensus.ConsensusException;
import io.stoq.consensus.RaftLedger;
import io.stoq.consensus.RaftMembers;
import io.stoq.consensus.RaftPeerSpec;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.net.AuthenticatedPeer;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.PeerRequest;
import io.stoq.net.Reply;
import io.stoq.net.Responder;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.RaftLedgerWriter;
import io.stoq.node.lifecycle.LifeCycle;
import io.stoq.node.peer.PeerNetwork;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who belongs to the Raft group, kept in step with the ledger and the CA: registration of a new
 * node, and removal of a revoked one (issue 12, deliverable 5).
 *
 * <pre>
 *   joining node (raft.address, not in raft.voters)        any member
 *     raft-join {role, raft address, chain,   over STOQ ───>   admission (one at a time per node id, at most 16 under way):
 *                ML-KEM key}                                   1. NODE_REGISTER signed by the operator key, forwarded to the leader
 *       (ask again every second until its own                  2. KEY_SHARE signed by this member's Falcon key: every key epoch the
 *        Raft server holds a configuration with it)               node lacks, sealed to its ML-KEM key (checked against its certificate)
 *                                                              3. setConfiguration (compare-and-set) adding it as voter, or as
 *                                                                 listener past raft.max-voters; the leader first brings its log up
 *   every member, every second:
 *     a member whose serial the CRL revoked and the ledger did not yet -> NODE_REVOKE (operator key)
 *     NODE_REVOKE applied -> its serial into the peer layer's revocations (live STOQ connections closed,
 *                            Raft gRPC calls from it refused) and, on the leader, setConfiguration without it
 * </pre>
 *
 * Every step is idempotent and is retried from the state it finds (the ledger, the group's
 * configuration), so a leader change or a crash in the middle only delays it: a node that
 * crashed before its register committed asks again when it restarts; a change lost with a
 * deposed leader is made again by the next one.
 *
 * <p>Threads: one scheduled thread runs admissions, the joiner's asks and the reconciliation;
 * the join handler runs on a peer worker and only queues.
 */
public final class GroupMembership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupMembership.class);
    /** Admissions under way at once: bounds what certified peers can make a member queue. */
    static final int MAX_ADMISSIONS = 16;
    private static final Duration ROUND = Duration.ofSeconds(1);

    private final LifeCycle life = new LifeCycle("group membership");
    private final RaftLedgerWriter writer;
    private final RaftLedger raft;
    private final PeerNetwork peers;
    private final int maxVoters;
    private final Optional<RaftPeerSpec> joinAs;
    private final List<InetSocketAddress> seeds;
    private final List<X509Certificate> chain;
    private final io.stoq.node.keys.EpochSharing sharing;
    private final byte[] ownKemSpki;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stoq-raft-members");
        t.setDaemon(true);
        return t;
    });
    /** Node ids whose admission is under way (any thread). */
    private final Set<String> admitting = ConcurrentHashMap.newKeySet();
    /** Worker thread only: node ids this node already submitted a NODE_REVOKE for. */
    private final Set<String> revokeSubmitted = new java.util.HashSet<>();

    /**
     * @param joinAs this node's entry when it is to join the group (not listed in it), else empty
     * @param seeds members to ask for admission (discovery.seeds)
     * @param chain this node's certificate chain (node certificate first), for its NODE_REGISTER
     * @param sharing seals the key epochs this node holds to a node it admits
     * @param ownKemSpki this node's ML-KEM public key (SPKI DER), sent when it asks to join
     */
    public GroupMembership(RaftLedgerWriter writer, PeerNetwork peers, int maxVoters, Optional<RaftPeerSpec> joinAs,
            List<InetSocketAddress> seeds, List<X509Certificate> chain, io.stoq.node.keys.EpochSharing sharing, byte[] ownKemSpki) {
        this.writer = writer;
        this.raft = writer.raft();
        this.peers = peers;
        this.maxVoters = maxVoters;
        this.joinAs = joinAs;
        this.seeds = List.copyOf(seeds);
        this.chain = List.copyOf(chain);
        this.sharing = sharing;
        this.ownKemSpki = ownKemSpki.clone();
    }

    /** Serves raft-join, follows revocations, and (when joining) starts asking the seeds. */
    public GroupMembership start() throws NodeException {
        life.transition(LifeCycle.State.STARTING);
        peers.handle(JoinRequest.TYPE, this::onJoin);
        raft.onApplied(this::onApplied);
        worker.scheduleWithFixedDelay(this::reconcile, ROUND.toMillis(), ROUND.toMillis(), TimeUnit.MILLISECONDS);
        if (joinAs.isPresent()) {
            worker.schedule(this::askToJoin, 0, TimeUnit.MILLISECONDS);
        }
        life.transition(LifeCycle.State.RUNNING);
        return this;
    }

    // ---- member side: admission ----------------------------------------------------------

    /** Peer worker: answers at once; the admission itself runs on the membership thread. */
    private void onJoin(PeerRequest request, Responder responder) throws NetException, java.io.IOException {
        AuthenticatedPeer peer = request.peer();
        JoinRequest join = JoinRequest.decode(request.args());
        if (!join.raftAddress().getAddress().equals(peer.address().getAddress())) {
            // Else a certified node could point the group at another host's Raft port.
            throw new NetException(NetErrorCode.BAD_REQUEST, "node " + peer.nodeId() + " asks to join with Raft address "
                    + join.raftAddress() + ", not on the address it connects from (" + peer.address().getAddress().getHostAddress() + ")");
        }
        if (!raft.isMember()) {
            throw new NetException(NetErrorCode.REFUSED, "node " + raft.nodeId() + " is not a member of the Raft group itself");
        }
        Optional<RaftPeerSpec> present;
        try {
            present = raft.members().current().get(peer.nodeId());
        } catch (ConsensusException e) {
            throw new NetException(NetErrorCode.REFUSED, "the Raft group is not reachable from node " + raft.nodeId());
        }
        if (present.isPresent()) {
            responder.reply(new byte[] {JoinRequest.MEMBER, (byte) (present.get().voter() ? 1 : 2)});
            return;
        }
        if (!admitting.contains(peer.nodeId())) {
            if (admitting.size() >= MAX_ADMISSIONS) {
                throw new NetException(NetErrorCode.BUSY, MAX_ADMISSIONS + " admissions are under way at node " + raft.nodeId()
                        + "; ask again later");
            }
            if (admitting.add(peer.nodeId())) {
                worker.execute(() -> admit(peer, join));
            }
        }
        responder.reply(new byte[] {JoinRequest.PENDING, 0});
    }

    /** Membership thread: registers {@code peer} on the ledger, then adds it to the group. */
    private void admit(AuthenticatedPeer peer, JoinRequest join) {
        try {
            if (!registered(peer, join)) {
                return;
            }
            shareEpochs(peer, join);
            RaftPeerSpec asked = new RaftPeerSpec(peer.nodeId(), join.raftAddress(), join.voter());
            RaftPeerSpec granted = raft.members().add(asked, maxVoters);
            LOG.info("node {} is in the Raft group as {} at {}", peer.nodeId(), granted.voter() ? "voter" : "listener",
                    granted.address());
        } catch (ConsensusException e) {
            if (!raft.isMember() || !memberNow(peer.nodeId())) {
                // It asks again; the next ask starts from what the ledger and the group hold by then.
                LOG.info("admission of node {} not finished: {}", peer.nodeId(), e.getMessage());
            }
        } catch (NodeException | LedgerException e) {
            LOG.info("admission of node {} not finished: {}", peer.nodeId(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("admission of node {} failed: {}", peer.nodeId(), e.toString());
        } finally {
            admitting.remove(peer.nodeId());
        }
    }

    /**
     * Gives the registered node its shares of the key epochs before it enters the group, so it
     * decrypts as soon as it serves. A failure the node can fix by asking again (no leader, a
     * timeout) ends this admission and the next ask repeats it (idempotent); a key its certificate
     * does not bind, or a version 1 raft-join without a key, is logged and the node joins without
     * shares (it reads nothing wrapped to an epoch until a rotation includes it).
     */
    private void shareEpochs(AuthenticatedPeer peer, JoinRequest join) throws NodeException, LedgerException {
        if (join.kemSpki().length == 0) {
            LOG.warn("node {} asked to join without its ML-KEM key (raft-join version 1): it gets no key epoch share", peer.nodeId());
            return;
        }
        try {
            sharing.share(peer.nodeId(), join.chainDer(), io.stoq.node.keys.EpochShare.publicKey(join.kemSpki(),
                    "node " + peer.nodeId() + "'s ML-KEM key"));
        } catch (NodeException e) {
            if (e.code() != io.stoq.node.NodeErrorCode.NOT_PERMITTED && e.code() != io.stoq.node.NodeErrorCode.CORRUPT_DATA) {
                throw e;
            }
            LOG.warn("no key epoch share for node {}: {}", peer.nodeId(), e.getMessage());
        }
    }

    /** Whether the group's configuration (as this replica holds it) has {@code nodeId}: a change raced with this one. */
    private boolean memberNow(String nodeId) {
        try {
            return raft.members().current().contains(nodeId);
        } catch (ConsensusException e) {
            return false;
        }
    }

    /** True once the ledger holds {@code peer}'s certificate unrevoked; commits its NODE_REGISTER if needed. */
    private boolean registered(AuthenticatedPeer peer, JoinRequest join) throws NodeException, LedgerException {
        if (!sameCertificate(peer, join.chainDer())) {
            LOG.info("node {} sent a chain that is not the one it connected with; not registered", peer.nodeId());
            return false;
        }
        StateRecords.Node known = writer.reader().state().node(peer.nodeId());
        if (known != null && new BigInteger(known.serial()).equals(peer.serial())) {
            if (known.revoked()) {
                LOG.info("node {} asks to join with certificate {} that the ledger revoked; refused", peer.nodeId(),
                        peer.serial().toString(16));
                return false;
            }
            return true;
        }
        try {
            writer.commit(writer.keys().operatorKey(false), List.of(), new TxBody.NodeRegister(join.chainDer()));
            LOG.info("registered node {} (certificate {}) on the ledger", peer.nodeId(), peer.serial().toString(16));
            return true;
        } catch (TxRejectedException e) {
            if (e.reason() == RejectReason.ALREADY_EXISTS) {
                StateRecords.Node now = writer.reader().state().node(peer.nodeId());
                return now != null && !now.revoked() && new BigInteger(now.serial()).equals(peer.serial());
            }
            LOG.info("the ledger refused to register node {}: {} {}", peer.nodeId(), e.reason(), e.getMessage());
            return false;
        }
    }

    private static boolean sameCertificate(AuthenticatedPeer peer, List<byte[]> chainDer) {
        try {
            X509Certificate leaf = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(chainDer.get(0)));
            return leaf.getSerialNumber().equals(peer.serial());
        } catch (java.security.cert.CertificateException e) {
            return false;
        }
    }

    // ---- joining side ----------------------------------------------------------------------

    /** Membership thread: asks the seeds, one after the other, until this node's server holds a configuration with it. */
    private void askToJoin() {
        if (life.state() != LifeCycle.State.RUNNING && life.state() != LifeCycle.State.STARTING) {
            return;
        }
        if (raft.isMember()) {
            LOG.info("node {} is a member of the Raft group", raft.nodeId());
            return;
        }
        RaftPeerSpec me = joinAs.orElseThrow();
        byte[] args;
        try {
            List<byte[]> der = new ArrayList<>();
            for (X509Certificate c : chain) {
                der.add(c.getEncoded());
            }
            args = new JoinRequest(me.voter(), me.address(), der, ownKemSpki).encode();
        } catch (CertificateEncodingException e) {
            LOG.error("cannot encode this node's certificate to join the Raft group: {}", e.getMessage());
            return;
        }
        for (InetSocketAddress seed : seeds) {
            try {
                PeerConnection c = peers.connect(seed);
                try (Reply reply = c.call(JoinRequest.TYPE, args)) {
                    byte[] meta = reply.meta();
                    if (meta.length == 2 && meta[0] == JoinRequest.MEMBER) {
                        LOG.info("node {} admitted to the Raft group as {}", raft.nodeId(), meta[1] == 1 ? "voter" : "listener");
                    }
                    break; // one member works on it; ask it (or another) again next round
                }
            } catch (NetException e) {
                LOG.debug("raft-join through {} failed: {} {}", seed, e.code(), e.getMessage());
            }
        }
        worker.schedule(this::askToJoin, ROUND.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- revocation ------------------------------------------------------------------------

    /** Apply thread: hands NODE_REVOKEs to the membership thread (the apply thread must not block). */
    private void onApplied(Block block) {
        for (Transaction tx : block.txs()) {
            if (tx.body() instanceof TxBody.NodeRevoke r) {
                worker.execute(() -> revoked(r.nodeId()));
            }
        }
    }

    /** Membership thread: the ledger revoked {@code nodeId}: the peer layer refuses it from now on, everywhere. */
    private void revoked(String nodeId) {
        try {
            StateRecords.Node n = writer.reader().state().node(nodeId);
            if (n != null && n.revoked() && peers.revocations().revoke(new BigInteger(n.serial()))) {
                LOG.warn("node {} revoked on the ledger: its connections are closed and its requests refused", nodeId);
            }
        } catch (LedgerException e) {
            LOG.warn("cannot read node {} after its revocation: {}", nodeId, e.getMessage());
        }
        reconcile();
    }

    /**
     * Membership thread, every second: a member the CA revoked (CRL) but the ledger not yet gets
     * its NODE_REVOKE; the leader removes from the group every member the ledger revoked.
     */
    private void reconcile() {
        if (life.state() != LifeCycle.State.RUNNING || !raft.isMember()) {
            return;
        }
        try {
            RaftMembers.Members members = raft.members().current();
            LedgerState state = writer.reader().state();
            for (RaftPeerSpec m : members.all()) {
                StateRecords.Node n = state.node(m.nodeId());
                if (n == null) {
                    continue; // a founder listed in raft.voters before its registration commits
                }
                if (!n.revoked() && peers.revocations().isRevoked(new BigInteger(n.serial())) && revokeSubmitted.add(m.nodeId())) {
                    submitRevoke(m.nodeId());
                } else if (n.revoked()) {
                    peers.revocations().revoke(new BigInteger(n.serial()));
                    if (raft.isLeader() && raft.members().remove(m.nodeId())) {
                        LOG.warn("node {} removed from the Raft group (revoked on the ledger)", m.nodeId());
                    }
                }
            }
        } catch (ConsensusException e) {
            LOG.info("group membership not settled yet: {}", e.getMessage());
        } catch (LedgerException | RuntimeException e) {
            LOG.warn("group membership check failed: {}", e.toString());
        }
    }

    private void submitRevoke(String nodeId) {
        try {
            writer.submit(writer.keys().operatorKey(false), List.of(), new TxBody.NodeRevoke(nodeId, "certificate revoked by the CA"))
                    .whenComplete((c, e) -> {
                        if (e != null) {
                            LOG.info("NODE_REVOKE of {} not committed: {}", nodeId, e.getMessage());
                            worker.execute(() -> revokeSubmitted.remove(nodeId)); // the next round tries again
                        } else {
                            LOG.warn("node {} revoked on the ledger at height {} (its certificate is on the CRL)", nodeId, c.height());
                        }
                    });
        } catch (NodeException e) {
            revokeSubmitted.remove(nodeId);
            LOG.warn("cannot sign the NODE_REVOKE of {}: {}", nodeId, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (!life.beginClose()) {
            return;
        }
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            life.transition(LifeCycle.State.CLOSED);
        } catch (NodeException e) {
            LOG.debug("group membership close: {}", e.getMessage());
        }
    }
}
