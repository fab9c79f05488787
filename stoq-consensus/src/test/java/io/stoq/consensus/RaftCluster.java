package io.stoq.consensus;

import static org.awaitility.Awaitility.await;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.TestNetwork;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.NodeCertificates;
import io.stoq.ledger.verify.ChainVerifier;
import io.stoq.net.LocalIdentity;
import io.stoq.net.Revocations;
import io.stoq.net.handshake.PeerVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * N real Ratis servers in this JVM on 127.0.0.1 (ports picked by binding 0), each over its own
 * RocksDB ledger in a temp directory, with mutual TLS trusting one real Falcon CA (the ledger
 * test network's root and intermediate). The network is bootstrapped as an operator would: an
 * admin builds block 0 (genesis) and block 1 (registering every member's node certificate) and
 * proposes them through the group; after that the leader builds every block with its own node key.
 * Members can be killed and restarted on the same directories and port.
 */
final class RaftCluster implements AutoCloseable {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    final TestNetwork net;
    final Revocations revocations = new Revocations();
    final PeerVerifier verifier;
    final Hash256 networkId;
    final Path dir;
    final UUID group = UUID.randomUUID();
    final Map<String, Member> members = new LinkedHashMap<>();
    final Map<String, RaftLedger> running = Collections.synchronizedMap(new LinkedHashMap<>());
    /** Every TLS refusal any member logged, as "member: reason". */
    final List<String> refusals = Collections.synchronizedList(new ArrayList<>());
    private final UnaryOperator<RaftLedgerConfig> tune;
    Block genesis;
    Block registration;

    /** One member: its keys, certificate chain and fixed address. */
    record Member(String id, boolean voter, NodeKeys keys, List<X509Certificate> chain, InetSocketAddress address) {}

    private RaftCluster(Path dir, UnaryOperator<RaftLedgerConfig> tune) throws Exception {
        this.dir = dir;
        this.tune = tune;
        this.net = new TestNetwork();
        this.networkId = net.network.value();
        this.verifier = new PeerVerifier(net.root, networkId, revocations, Clock.systemUTC());
    }

    /** Starts {@code voters} voters (n1..) and {@code listeners} listeners (l1..), bootstrapped and with a leader. */
    static RaftCluster start(Path dir, int voters, int listeners, UnaryOperator<RaftLedgerConfig> tune) throws Exception {
        RaftCluster c = new RaftCluster(dir, tune);
        for (int i = 1; i <= voters; i++) {
            c.add("n" + i, true);
        }
        for (int i = 1; i <= listeners; i++) {
            c.add("l" + i, false);
        }
        c.bootstrapBlocks();
        for (String id : c.members.keySet()) {
            c.start(id);
        }
        RaftLedger leader = c.leader();
        if (!leader.proposeBlock(c.genesis) || !leader.proposeBlock(c.registration)) {
            throw new IllegalStateException("the bootstrap blocks were refused");
        }
        c.awaitConverged();
        return c;
    }

    private void add(String id, boolean voter) throws Exception {
        NodeKeys keys = NodeKeys.generate();
        Instant now = Instant.now();
        Set<NodeRole> roles = voter ? EnumSet.of(NodeRole.STORAGE, NodeRole.VOTER) : EnumSet.of(NodeRole.STORAGE);
        List<X509Certificate> chain = NodeCertificates.parseChain(net.nodeChain(id, keys, now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(30)), roles));
        members.put(id, new Member(id, voter, keys, chain, new InetSocketAddress(LOOPBACK, LoopbackPorts.tcp())));
    }

    /** Block 0 (genesis) and block 1 (every member registered), built and signed by the admin in a scratch ledger. */
    private void bootstrapBlocks() throws Exception {
        try (Ledger scratch = Ledger.open(dir.resolve("bootstrap"))) {
            net.genesis(scratch);
            List<Transaction> registers = new ArrayList<>();
            for (Member m : members.values()) {
                List<byte[]> der = new ArrayList<>();
                for (X509Certificate c : m.chain()) {
                    der.add(c.getEncoded());
                }
                registers.add(net.tx(net.admin, new TxBody.NodeRegister(der)));
            }
            Ledger.CommitResult r = scratch.commit(registers, Instant.now(), net.admin);
            if (!r.rejected().isEmpty()) {
                throw new IllegalStateException("registration refused: " + r.rejected());
            }
            genesis = scratch.store().block(0);
            registration = scratch.store().block(1);
        }
    }


    RaftLedgerConfig config(String id) {
        List<RaftPeerSpec> peers = new ArrayList<>();
        for (Member m : members.values()) {
            peers.add(new RaftPeerSpec(m.id(), m.address(), m.voter()));
        }
        RaftLedgerConfig base = RaftLedgerConfig.of(id, group, peers, dir.resolve(id).resolve("raft"))
                .withBlockInterval(Duration.ofMillis(2));
        return tune.apply(base);
    }

    RaftTls tls(Member m) throws Exception {
        LocalIdentity identity = LocalIdentity.of(m.keys(), m.chain(), net.root, networkId);
        return RaftTls.of(identity, LOOPBACK, verifier, why -> refusals.add(m.id() + ": " + why));
    }

    /** Starts (or restarts) member {@code id} on its directories and port. */
    RaftLedger start(String id) throws Exception {
        Member m = members.get(id);
        RaftTls tls = tls(m);
        RaftLedger l = RaftLedger.start(config(id), dir.resolve(id).resolve("ledger"), m.keys().falcon(), tls, Clock.systemUTC());
        tlsOf.put(id, tls);
        running.put(id, l);
        return l;
    }

    /** Each running member's TLS (its refusal counters), by member id. */
    final Map<String, RaftTls> tlsOf = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Certifies a new member {@code id} and starts it outside the group ({@link RaftLedger#join}):
     * it takes part once a member adds it. Its NODE_REGISTER is the caller's to commit.
     */
    RaftLedger join(String id, boolean voter) throws Exception {
        List<RaftPeerSpec> group = config(members.keySet().iterator().next()).peers();
        add(id, voter);
        Member m = members.get(id);
        RaftLedgerConfig config = tune.apply(RaftLedgerConfig.of(id, this.group, group, dir.resolve(id).resolve("raft"))
                .withBlockInterval(Duration.ofMillis(2)));
        RaftTls tls = tls(m);
        RaftLedger l = RaftLedger.join(config, new RaftPeerSpec(id, m.address(), voter), dir.resolve(id).resolve("ledger"),
                m.keys().falcon(), tls, Clock.systemUTC());
        tlsOf.put(id, tls);
        running.put(id, l);
        return l;
    }

    /** Stops member {@code id} as a crash would look to the others (its disk stays). */
    void kill(String id) {
        RaftLedger l = running.remove(id);
        if (l != null) {
            l.close();
        }
    }

    RaftLedger get(String id) {
        return running.get(id);
    }

    /** The running leader, once the running voters agree on one. */
    RaftLedger leader() {
        RaftLedger[] found = new RaftLedger[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            for (RaftLedger l : List.copyOf(running.values())) {
                if (l.isLeader()) {
                    found[0] = l;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** A running voter that is not the leader. */
    RaftLedger follower() {
        RaftLedger leader = leader();
        return running.values().stream().filter(l -> l != leader && members.get(l.nodeId()).voter()).findFirst().orElseThrow();
    }

    /** Waits until every running member holds the same head as the most advanced one. */
    void awaitConverged() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
            List<RaftLedger> all = List.copyOf(running.values());
            long max = all.stream().mapToLong(l -> l.ledger().height()).max().orElse(-1);
            return max >= 0 && all.stream().allMatch(l -> l.ledger().height() == max
                    && l.ledger().head().hash().equals(all.get(0).ledger().head().hash()));
        });
    }

    /** Every running member's chain verifies, and all have one head and one state root. */
    void assertSameVerifiedLedger() throws Exception {
        awaitConverged();
        RaftLedger first = running.values().iterator().next();
        for (RaftLedger l : List.copyOf(running.values())) {
            Ledger ledger = l.ledger();
            if (!new ChainVerifier(ledger.store(), false).verify().ok()) {
                throw new AssertionError(l.nodeId() + "'s ledger does not verify");
            }
            if (!ledger.head().hash().equals(first.ledger().head().hash()) || !ledger.stateRoot().equals(first.ledger().stateRoot())) {
                throw new AssertionError(l.nodeId() + " differs from " + first.nodeId());
            }
        }
    }

    @Override
    public void close() {
        for (String id : List.copyOf(running.keySet())) {
            kill(id);
        }
    }
}
