package io.stoq.net.discovery;

import io.stoq.crypto.CryptoException;
import io.stoq.net.LocalIdentity;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.PeerRequest;
import io.stoq.net.Reply;
import io.stoq.net.Responder;
import io.stoq.net.RevocationSource;
import io.stoq.net.handshake.PeerVerifier;
import io.stoq.net.transport.StoqTransport;
import io.stoq.net.transport.Workers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the network's members and watches their health. Each gossip round this node refreshes
 * its own signed record and exchanges records with {@code fanout} random members (the seeds
 * while it knows none): it sends its record and a digest of what it holds, the peer answers with
 * every record it holds newer. Each heartbeat round it pings every member over STOQ and keeps
 * the RTT; shard transfers report throughput through {@link #transferListener()}. Records of
 * revoked or expired nodes are dropped.
 *
 * <pre>
 *   StoqTransport t = StoqTransport.builder(peerConfig, identity).revocations(revocations).start();
 *   Discovery d = new Discovery(config, identity, revocations, clock, capacity);
 *   d.start(t);   ...   d.snapshot();   ...   d.close(); t.close();
 * </pre>
 *
 * <p>Thread-safe. Threads: one timer, and a small bounded pool for exchanges and pings (a round
 * that finds the pool busy skips the rest: the next round comes soon).
 */
public final class Discovery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    /** The own record is re-signed at least this often even when nothing in it changed. */
    private static final Duration REFRESH = Duration.ofMinutes(5);

    private final DiscoveryConfig config;
    private final LocalIdentity identity;
    private final RevocationSource revocations;
    private final Clock clock;
    private final CapacitySource capacity;
    private final PeerVerifier verifier;
    private final Membership membership;
    private final HealthTable health;
    private final ScheduledExecutorService timer;
    private final ThreadPoolExecutor pool;
    private volatile StoqTransport transport;
    private volatile SignedNodeRecord own;
    private AutoCloseable subscription;

    public Discovery(DiscoveryConfig config, LocalIdentity identity, RevocationSource revocations, Clock clock,
            CapacitySource capacity) {
        this.config = config;
        this.identity = identity;
        this.revocations = revocations;
        this.clock = clock;
        this.capacity = capacity;
        this.verifier = new PeerVerifier(identity.root(), identity.networkId(), revocations, clock);
        this.membership = new Membership(verifier, config.maxRecords());
        this.health = new HealthTable(membership, clock);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stoq-discovery");
            t.setDaemon(true);
            return t;
        });
        this.pool = Workers.bounded("stoq-discovery-io", 4, 64);
    }

    /** Serves gossip on {@code started} and starts the rounds. */
    public synchronized void start(StoqTransport started) throws NetException {
        this.transport = started;
        started.handle(MessageType.GOSSIP, this::serveGossip);
        refreshOwn();
        subscription = revocations.subscribe(membership::revoked);
        long gossip = config.gossipInterval().toMillis();
        long heartbeat = config.heartbeatInterval().toMillis();
        timer.scheduleWithFixedDelay(this::gossipRound, 0, gossip, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::heartbeatRound, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
    }

    public Membership membership() {
        return membership;
    }

    /** Feeds per-peer throughput; give it to the node's {@code ShardClient}. */
    public HealthTable transferListener() {
        return health;
    }

    /** Every member but this node, with what was measured. */
    public List<PeerStatus> snapshot() {
        return health.snapshot(identity.nodeId(), config.suspectAfter(), config.deadAfter());
    }

    /** This node's current signed record. */
    public SignedNodeRecord ownRecord() {
        return own;
    }

    private void refreshOwn() throws NetException {
        CapacitySource.Capacity c = capacity.capacity();
        SignedNodeRecord current = own;
        if (current != null && current.record().capacityBytes() == c.totalBytes() && current.record().freeBytes() == c.freeBytes()
                && current.record().issuedAt().plus(REFRESH).isAfter(clock.instant())) {
            return;
        }
        long sequence = Math.max(current == null ? 0 : current.record().sequence() + 1, clock.millis());
        NodeRecord record = new NodeRecord(identity.nodeId(), identity.identity().zone(), config.advertise(), c.totalBytes(),
                Math.min(c.freeBytes(), c.totalBytes()), identity.identity().serial(), sequence, clock.instant());
        try {
            own = SignedNodeRecord.sign(record, identity);
        } catch (CryptoException e) {
            throw new NetException(NetErrorCode.INTERNAL, "cannot sign this node's record: " + e.getMessage(), e);
        }
        membership.offer(own);
    }

    private void gossipRound() {
        try {
            refreshOwn();
            membership.sweep(clock.instant());
            for (Target target : targets()) {
                pool.execute(() -> exchange(target));
            }
        } catch (RejectedExecutionException e) {
            LOG.debug("gossip round cut short: exchanges still running");
        } catch (NetException | RuntimeException e) {
            LOG.warn("gossip round failed: {}", e.getMessage());
        }
    }

    /** Whom a gossip round talks to: a member (reachable over any open connection) or a seed. */
    private record Target(String nodeId, InetSocketAddress address) {}

    private List<Target> targets() {
        List<Target> members = new ArrayList<>();
        Set<InetSocketAddress> addresses = new LinkedHashSet<>();
        for (Membership.Member m : membership.members()) {
            if (!m.record().nodeId().equals(identity.nodeId())) {
                members.add(new Target(m.record().nodeId(), m.record().addresses().get(0)));
                addresses.addAll(m.record().addresses());
            }
        }
        Collections.shuffle(members);
        List<Target> out = new ArrayList<>(members.subList(0, Math.min(config.fanout(), members.size())));
        if (out.size() < config.fanout()) {
            for (InetSocketAddress seed : config.seeds()) {
                if (!config.advertise().contains(seed) && !addresses.contains(seed)) {
                    out.add(new Target(null, seed));
                }
            }
        }
        return out;
    }

    /** A connection to the member, either direction, or a new one to its address. */
    private PeerConnection connectionTo(String nodeId, InetSocketAddress address) throws NetException {
        for (PeerConnection c : transport.connectionsTo(nodeId)) {
            if (c.isOpen()) {
                return c;
            }
        }
        return transport.connect(address);
    }

    private void exchange(Target target) {
        try {
            PeerConnection connection = target.nodeId() != null
                    ? connectionTo(target.nodeId(), target.address()) : transport.connect(target.address());
            byte[] args = GossipMessages.request(own, membership.digest());
            try (Reply reply = connection.call(MessageType.GOSSIP, args)) {
                health.heard(connection.peer().nodeId());
                InputStream body = reply.body();
                int n = 0;
                for (SignedNodeRecord r; n++ < config.maxRecords() && (r = GossipMessages.readRecord(body)) != null; ) {
                    offerQuietly(r, connection.peer().nodeId());
                }
            }
        } catch (NetException | IOException e) {
            LOG.debug("gossip with {} failed: {}", target.address(), e.getMessage());
        }
    }

    private void offerQuietly(SignedNodeRecord r, String from) {
        try {
            membership.offer(r);
        } catch (NetException e) {
            LOG.debug("record for {} from {} refused ({}): {}", r.record().nodeId(), from, e.code(), e.getMessage());
        }
    }

    private void heartbeatRound() {
        for (Membership.Member m : membership.members()) {
            String nodeId = m.record().nodeId();
            if (nodeId.equals(identity.nodeId())) {
                continue;
            }
            try {
                pool.execute(() -> ping(nodeId, m.record().addresses().get(0)));
            } catch (RejectedExecutionException e) {
                return;
            }
        }
    }

    private void ping(String nodeId, InetSocketAddress address) {
        try {
            PeerConnection connection = connectionTo(nodeId, address);
            if (!connection.peer().nodeId().equals(nodeId)) {
                health.recordFailure(nodeId); // the address now answers as another node
                return;
            }
            long start = System.nanoTime();
            byte[] probe = ByteBuffer.allocate(8).putLong(start).array();
            try (Reply reply = connection.call(MessageType.PING, probe)) {
                if (java.util.Arrays.equals(reply.meta(), probe)) {
                    health.recordRtt(nodeId, Duration.ofNanos(System.nanoTime() - start));
                } else {
                    health.recordFailure(nodeId); // a ping is answered with its own bytes
                }
            }
        } catch (NetException e) {
            health.recordFailure(nodeId);
            LOG.debug("heartbeat to {} failed: {}", nodeId, e.getMessage());
        }
    }

    private void serveGossip(PeerRequest request, Responder responder) throws NetException, IOException {
        GossipMessages.Request q = GossipMessages.parseRequest(request.args(), config.maxRecords());
        if (!q.sender().record().nodeId().equals(request.peer().nodeId())) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "node " + request.peer().nodeId() + " sent the record of "
                    + q.sender().record().nodeId() + " as its own");
        }
        membership.offer(q.sender());
        health.heard(request.peer().nodeId());
        Map<String, Long> digest = q.digest();
        try (OutputStream out = responder.replyStreaming(new byte[0])) {
            for (Membership.Member m : membership.members()) {
                Long held = digest.get(m.record().nodeId());
                if (held == null || held < m.record().sequence()) {
                    GossipMessages.writeRecord(out, m.signed());
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        pool.shutdownNow();
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.debug("revocation subscription did not close", e);
            }
        }
    }
}
