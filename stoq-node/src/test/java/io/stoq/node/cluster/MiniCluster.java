package io.stoq.node.cluster;

import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.daemon.StoqNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * N real {@link StoqNode}s in one JVM on 127.0.0.1, in the style of Ratis's
 * {@code MiniRaftCluster}: real QUIC, real RocksDB, real Falcon certificates. One dev CA certifies
 * every node (each with its own keys, made by the production keygen, and every role); each node
 * has its own data directory under the cluster's, API and peer ports picked at bind (port 0), and
 * the peer addresses of the nodes started before it as its {@code discovery.seeds}.
 *
 * <pre>
 *   try (MiniCluster c = MiniCluster.builder(tempDir).nodes(3).start()) {
 *       c.node(0).shardStore() ...; c.get(1, "/v1/nodes") ...;
 *       c.kill(1); c.restart(1); c.partition(2); c.heal(2); int d = c.addNode();
 *   }
 * </pre>
 *
 * <p>Faults: {@link #kill} closes a node without any goodbye to its peers (in one JVM there is no
 * kill -9; the crash tests for that run child processes); {@link #restart} starts it again on the
 * same data directory and the same peer address, so the others' seeds and records still point
 * to it; {@link #partition} drops every peer datagram of a node, both ways, at its UDP socket
 * (stoq-net's {@link io.stoq.net.PacketFilter}), until {@link #heal}. The API stays reachable,
 * so a test can watch the partitioned node from both sides.
 *
 * <p>Ledgers: until the Ratis writer lands every node keeps its own ledger (its genesis names its
 * zone). A test or a later builder option that picks the writer sets it through {@link
 * Builder#config} (every node) or {@link Builder#configure} (per node, knowing the cluster), e.g.
 * {@code ledger.mode} and the voters' addresses, without changing this class.
 *
 * <p>Timings are short ({@link #FAST_DISCOVERY}): gossip and heartbeats every 200 ms, a member
 * dead after 2 s of silence, QUIC connections idle out after 3 s, so faults show within seconds.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class MiniCluster implements AutoCloseable {
    static {
        // Ratis ends the JVM (exit status 1) when a server cannot start, e.g. its gRPC port was
        // taken between the probe below and the bind (seen in CI: "Failed to bind ... Address
        // already in use"): every test class in the fork died with it. As Ratis's own
        // MiniRaftCluster does, make that an exception, so one node start fails, not the fork.
        org.apache.ratis.util.ExitUtils.disableSystemExit();
    }

    /** Config every node gets: loopback, port 0, quick discovery and timeouts, small CPU use. */
    public static final Map<String, String> FAST_DISCOVERY = Map.ofEntries(
            Map.entry("api.port", "0"), Map.entry("store.min-free", "0B"), Map.entry("ledger.block-interval", "5ms"),
            Map.entry("shard.parallelism", "2"), Map.entry("discovery.gossip-interval", "200ms"),
            Map.entry("discovery.heartbeat-interval", "200ms"), Map.entry("discovery.suspect-after", "1s"),
            Map.entry("discovery.dead-after", "2s"), Map.entry("peer.handshake-timeout", "1s"),
            Map.entry("peer.request-timeout", "2s"), Map.entry("peer.idle-timeout", "3s"));

    private final Path dir;
    private final CertificateAuthority ca;
    private final Map<String, String> config;
    private final Configurer configurer;
    private final Clock clock;
    private final List<Member> members = new ArrayList<>();
    /** Whether nodes start with the dev admin (set once by the builder, before any node starts). */
    private boolean devAdmin = true;
    /** Zones the nodes are spread over round robin; 0: a zone per node. */
    private int zones;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .version(HttpClient.Version.HTTP_1_1).build();

    /** Adds per-node config on top of the cluster's, knowing the node's index and the cluster. */
    @FunctionalInterface
    public interface Configurer {
        void configure(int index, MiniCluster cluster, Map<String, String> config);
    }

    /** One node slot: its identity and directory stay across kill and restart. */
    private static final class Member {
        final int index;
        final String nodeId;
        final String zone;
        final Path data;
        final AtomicBoolean partitioned = new AtomicBoolean();
        /** The peer address of its first start, kept across restarts. */
        InetSocketAddress peerAddress;
        StoqNode node;

        Member(int index, String nodeId, String zone, Path data) {
            this.index = index;
            this.nodeId = nodeId;
            this.zone = zone;
            this.data = data;
        }
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** Configures and starts a cluster. */
    public static final class Builder {
        private final Path dir;
        private int nodes = 3;
        private final Map<String, String> config = new LinkedHashMap<>(FAST_DISCOVERY);
        private Configurer configurer = (i, c, m) -> { };
        private Clock clock = Clock.systemUTC();
        private boolean raft;
        private boolean devAdmin = true;
        private int zones;

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** How many nodes start (default 3). */
        public Builder nodes(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("a cluster has at least one node, not " + n);
            }
            this.nodes = n;
            return this;
        }

        /**
         * Spreads the nodes over {@code n} zones round robin ({@code zone-1}, {@code zone-2}, ...,
         * node i in zone {@code i mod n + 1}); by default every node has a zone of its own.
         */
        public Builder zones(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("at least one zone, not " + n);
            }
            this.zones = n;
            return this;
        }

        /** A config key every node gets (over {@link #FAST_DISCOVERY}). */
        public Builder config(String key, String value) {
            config.put(key, value);
            return this;
        }

        /** Per-node config, applied last at every start and restart. */
        public Builder configure(Configurer configurer) {
            this.configurer = configurer;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Runs the nodes on one Raft ledger ({@code ledger.mode=raft}): every node a voter on a Raft
         * port picked before start, node-1 founding the ledger with every node registered
         * ({@code raft.founders}), and one operator key shared by all (the network's custodial admin).
         * Nodes added later with {@link #addNode} join the group by registration (as voters unless
     * configured {@code raft.role=listener}).
         */
        public Builder raft() {
            this.raft = true;
            return this;
        }

        /**
         * Nodes start as `stoq node run` does, without the dev admin ({@code DATA/dev-admin.key}):
         * for tests of the production bootstrap ({@code stoq network init}); {@link #adminKey} and
         * {@link #get} are then not available.
         */
        public Builder noDevAdmin() {
            this.devAdmin = false;
            return this;
        }

        /** Makes the CA and starts the nodes in order, each seeded with those before it. */
        public MiniCluster start() throws Exception {
            CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "stoq-dev", null, null,
                    CertificateAuthority.Policy.DEFAULT, clock);
            MiniCluster cluster = new MiniCluster(dir, ca, Map.copyOf(config), configurer, clock);
            cluster.devAdmin = devAdmin;
            cluster.zones = zones;
            try {
                if (raft) {
                    cluster.prepareRaft(nodes);
                    for (Member m : cluster.members) {
                        cluster.start(m);
                    }
                    return cluster;
                }
                for (int i = 0; i < nodes; i++) {
                    cluster.addNode();
                }
                return cluster;
            } catch (Exception | Error e) {
                cluster.close();
                throw e;
            }
        }
    }

    private MiniCluster(Path dir, CertificateAuthority ca, Map<String, String> config, Configurer configurer, Clock clock) {
        this.dir = dir;
        this.ca = ca;
        this.config = config;
        this.configurer = configurer;
        this.clock = clock;
    }

    /**
     * Certifies and starts one more node ({@code node-<n>} in {@code zone-<n>}), seeded with every
     * running node's peer address; returns its index.
     */
    public int addNode() throws Exception {
        int index = members.size();
        String nodeId = "node-" + (index + 1);
        Member m = new Member(index, nodeId, zoneOf(index), dir.resolve(nodeId));
        certify(m);
        members.add(m);
        if (onRaft()) {
            prepareJoin(m);
        }
        start(m);
        return index;
    }

    /** Raft ports of nodes that joined the group by registration after it started (node id to port). */
    private final Map<String, Integer> joinPorts = new LinkedHashMap<>();

    /**
     * A node added to a cluster on Raft joins the group by registration: it gets the shared
     * operator key, a Raft port of its own ({@code raft.address}), the group's voters as
     * {@code raft.voters} (whom it is not among) and asks to vote ({@code raft.role}; a test's
     * {@link Builder#configure} may ask for listener).
     */
    private void prepareJoin(Member m) throws Exception {
        Path accounts = m.data.resolve("accounts");
        Files.createDirectories(accounts);
        try (var files = Files.list(dir.resolve("operator"))) {
            for (Path f : files.toList()) {
                Files.copy(f, accounts.resolve(f.getFileName()));
            }
        }
        joinPorts.put(m.nodeId, io.stoq.consensus.LoopbackPorts.tcp());
    }

    /** Raft ports of the group's voters (node id to port), empty when the cluster is not on Raft. */
    private final Map<String, Integer> raftPorts = new LinkedHashMap<>();

    /**
     * Certifies {@code nodes} members, picks their Raft ports ({@link io.stoq.consensus.LoopbackPorts}: Ratis
     * needs every voter's address before any starts), writes the founders' chains and one shared
     * operator key into every data directory.
     */
    private void prepareRaft(int nodes) throws Exception {
        Path founders = dir.resolve("founders");
        Files.createDirectories(founders);
        io.stoq.node.ledger.CustodialKeys.open(dir.resolve("operator")).operatorKey(true);
        for (int i = 0; i < nodes; i++) {
            String nodeId = "node-" + (i + 1);
            Member m = new Member(i, nodeId, zoneOf(i), dir.resolve(nodeId));
            certify(m);
            members.add(m);
            Files.copy(m.data.resolve("node").resolve("node.crt.pem"), founders.resolve(nodeId + ".pem"));
            // its ML-KEM key beside it: the first key epoch is sealed to every founder
            Files.copy(m.data.resolve("node").resolve(NodeKeys.KEM_PUB), founders.resolve(nodeId + ".kem.pub.pem"));
            Path accounts = m.data.resolve("accounts");
            Files.createDirectories(accounts);
            try (var files = Files.list(dir.resolve("operator"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, accounts.resolve(f.getFileName()));
                }
            }
            raftPorts.put(nodeId, io.stoq.consensus.LoopbackPorts.tcp());
        }
    }

    /** The raft.* keys of a member of the cluster's group. */
    private void raftConfig(Map<String, String> c) {
        c.put("ledger.mode", "raft");
        c.put("raft.voters", raftPorts.entrySet().stream().map(e -> e.getKey() + "@127.0.0.1:" + e.getValue())
                .collect(Collectors.joining(",")));
        c.put("raft.founders", dir.resolve("founders").toString());
        c.put("raft.election-timeout-min", "400ms");
        c.put("raft.election-timeout-max", "800ms");
    }

    /** True when the cluster's nodes share one Raft ledger. */
    public boolean onRaft() {
        return !raftPorts.isEmpty();
    }

    /** Node keys (the production keygen) and a certificate with every role, the way `stoq node csr` + `stoq ca issue` make them. */
    private void certify(Member m) throws Exception {
        Path keyDir = m.data.resolve("node");
        NodeKeys keys = NodeKeys.generate();
        keys.write(keyDir, null);
        NodeClaims claims = NodeClaims.of(m.nodeId, m.zone, EnumSet.allOf(NodeRole.class), keys.tls().getPublic(),
                keys.kem().getPublic(), keys.slhDsa().publicKey());
        PemFiles.writeCertificates(keyDir.resolve("node.crt.pem"), ca.issue(NodeCsr.create(keys.falcon(), claims), Duration.ofDays(30)));
        ca.crl();
    }

    private void start(Member m) throws Exception {
        Map<String, String> c = new HashMap<>(config);
        c.put("data.dir", m.data.toString());
        c.put("node.root-certificate", ca.directory().resolve("root.crt.pem").toString());
        c.put("node.crl", ca.directory().resolve("crl.pem").toString());
        c.put("peer.bind", "127.0.0.1:" + (m.peerAddress == null ? 0 : m.peerAddress.getPort()));
        c.put("discovery.seeds", members.stream().filter(o -> o != m && o.peerAddress != null)
                .map(o -> "127.0.0.1:" + o.peerAddress.getPort()).collect(Collectors.joining(",")));
        if (raftPorts.containsKey(m.nodeId)) {
            raftConfig(c);
        } else if (joinPorts.containsKey(m.nodeId)) {
            raftConfig(c);
            c.remove("raft.founders");
            c.put("raft.address", "127.0.0.1:" + joinPorts.get(m.nodeId));
        }
        configurer.configure(m.index, this, c);
        m.node = StoqNode.start(NodeConfig.load(null, Map.of(), c), clock, devAdmin, remote -> m.partitioned.get());
        if (m.peerAddress == null) {
            m.peerAddress = new InetSocketAddress("127.0.0.1", m.node.peers().localAddress().getPort());
        }
    }

    private String zoneOf(int index) {
        return "zone-" + (zones == 0 ? index + 1 : index % zones + 1);
    }

    /** How many nodes the cluster has (running or killed). */
    public int size() {
        return members.size();
    }

    /**
     * Makes {@code account} (a writer) through node {@code index} unless the network knows it: on
     * a Raft ledger accounts are network state, so a custodial key exists only for an account the
     * ledger holds. Retried while the group settles (a leader, the key epoch, operator-key nonces).
     */
    public void ensureNetworkAccount(int index, String account) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            var accounts = node(index).networkAccounts();
            if (accounts.account(account).isEmpty()) {
                accounts.create(account, io.stoq.fragmint.port.Role.WRITER, account);
            }
            return accounts.account(account).isPresent();
        });
    }

    /** The running node at {@code index}; fails when it was killed. */
    public StoqNode node(int index) {
        StoqNode n = members.get(index).node;
        if (n == null) {
            throw new IllegalStateException(members.get(index).nodeId + " is not running");
        }
        return n;
    }

    public boolean isRunning(int index) {
        return members.get(index).node != null;
    }

    public String nodeId(int index) {
        return members.get(index).nodeId;
    }

    public String zone(int index) {
        return members.get(index).zone;
    }

    public Path dataDir(int index) {
        return members.get(index).data;
    }

    /** The node's peer address (the same across restarts). */
    public InetSocketAddress peerAddress(int index) {
        return members.get(index).peerAddress;
    }

    /** The address of the node's Raft server (a founder's or a joined node's); fails when the cluster is not on Raft. */
    public InetSocketAddress raftAddress(int index) {
        String id = members.get(index).nodeId;
        Integer port = raftPorts.containsKey(id) ? raftPorts.get(id) : joinPorts.get(id);
        if (port == null) {
            throw new IllegalStateException(id + " has no Raft server");
        }
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** The dev CA that certified every node (tests issue more certificates with it: revoked ones, foreign roles). */
    public CertificateAuthority ca() {
        return ca;
    }

    /** Stops the node without a goodbye; its data stays for {@link #restart}. */
    public void kill(int index) {
        Member m = members.get(index);
        if (m.node != null) {
            m.node.close();
            m.node = null;
        }
    }

    /** Starts a killed node again on its data directory and peer address (kills it first if it runs). */
    public void restart(int index) throws Exception {
        kill(index);
        start(members.get(index));
    }

    /** Drops every peer datagram the node sends or receives, until {@link #heal}. */
    public void partition(int index) {
        members.get(index).partitioned.set(true);
    }

    public void heal(int index) {
        members.get(index).partitioned.set(false);
    }

    /**
     * Waits until every running node's discovery shows every other running node
     * {@link io.stoq.net.discovery.Liveness#ALIVE ALIVE} (heartbeats answered over STOQ): the
     * cluster is connected. In-process, without the API; tests that check {@code GET /v1/nodes}
     * do so themselves.
     */
    public void awaitConnected(Duration atMost) {
        org.awaitility.Awaitility.await().atMost(atMost).until(this::connected);
    }

    /** Whether every running node sees every other running node alive right now. */
    public boolean connected() {
        for (Member m : members) {
            if (m.node == null) {
                continue;
            }
            java.util.Set<String> alive = m.node.peers().peers().stream()
                    .filter(p -> p.liveness() == io.stoq.net.discovery.Liveness.ALIVE)
                    .map(io.stoq.net.discovery.PeerStatus::nodeId).collect(Collectors.toSet());
            for (Member other : members) {
                if (other != m && other.node != null && !alive.contains(other.nodeId)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The dev admin's API key of a node: the node's own admin account, or on Raft its own key of
     * the network's admin account (written once the network's setup block is applied; waited for).
     */
    public String adminKey(int index) throws IOException {
        Path file = members.get(index).data.resolve(io.stoq.node.accounts.AdminBootstrap.KEY_FILE);
        // on Raft the file is written just before the key is committed: wait for the set-up to finish
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(file)
                && (members.get(index).node == null || members.get(index).node.devAdmin() != null));
        return Files.readString(file).trim();
    }

    /** {@code GET path} on a node's API as its dev admin. */
    public HttpResponse<String> get(int index, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node(index).port() + path))
                .header("Authorization", "Bearer " + adminKey(index)).timeout(Duration.ofSeconds(30)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Closes every running node, the last started first. */
    @Override
    public void close() {
        for (int i = members.size() - 1; i >= 0; i--) {
            kill(i);
        }
    }
}
