package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stoq.consensus.RaftRefusals;
import io.stoq.consensus.RaftTls;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.net.Impostors;
import io.stoq.net.LocalIdentity;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConfig;
import io.stoq.net.PeerConnection;
import io.stoq.net.PeerMetrics;
import io.stoq.net.Revocations;
import io.stoq.net.handshake.PeerVerifier;
import io.stoq.net.shard.ShardClient;
import io.stoq.net.transport.HandshakeRecorder;
import io.stoq.net.transport.StoqTransport;
import io.stoq.node.peer.PeerNetwork;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The acceptance's impostors against a real cluster (three nodes on one Raft ledger: real QUIC,
 * real Ratis over mutual TLS, real RocksDB), the two that stoq-net and stoq-consensus test only
 * at module level: a process with a genuine certificate of this CA presenting a TLS key that
 * certificate does not bind, and a process replaying a transcript signature recorded from a
 * member's earlier handshake. Each is refused by STOQ (it cannot fetch a shard a member holds),
 * and where it reaches Raft by Raft (it cannot submit); no entry is appended; each refusal is
 * counted by code in {@code /metrics} and logged once with its reason however often it tries.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ImpostorRefusalsOnNodeTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;
    static X509Certificate root;
    static Hash256 networkId;
    static byte[] shard;
    static Hash256 shardId;

    final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        cluster = MiniCluster.builder(dir).nodes(3).raft().start();
        cluster.adminKey(0); // the set-up block and the admin are committed: the ledger is quiet from here
        root = PemFiles.readCertificate(cluster.ca().directory().resolve("root.crt.pem"));
        networkId = PeerNetwork.networkId(root);
        shard = "a shard that only node-1 holds".getBytes(StandardCharsets.UTF_8);
        shardId = Sha3.hash(shard);
        cluster.node(0).shardStore().put(shardId, shard);
        cluster.awaitConnected(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void captureRefusalLogs() {
        log.start();
        ((Logger) LoggerFactory.getLogger(PeerMetrics.class)).addAppender(log);
        ((Logger) LoggerFactory.getLogger(RaftRefusals.class)).addAppender(log);
    }

    @AfterEach
    void releaseLogs() {
        ((Logger) LoggerFactory.getLogger(PeerMetrics.class)).detachAppender(log);
        ((Logger) LoggerFactory.getLogger(RaftRefusals.class)).detachAppender(log);
    }

    @Test
    void aCertifiedProcessPresentingATlsKeyItsCertificateDoesNotBindCanNeitherFetchNorSubmit() throws Exception {
        // A certificate the network's CA really issued (node-7), whose Falcon key the impostor holds; its QUIC and Raft TLS key is another.
        NodeKeys keys = NodeKeys.generate();
        List<X509Certificate> chain = issue("node-7", keys);
        LocalIdentity honest = LocalIdentity.of(keys, chain, root, networkId);
        LocalIdentity impostor = Impostors.withKeys(keys, NodeKeys.generate().tls(), chain, root, networkId);
        List<String> heads = awaitEqualHeads();

        // Control: with the key its certificate binds, the same certificate connects and fetches the shard.
        try (StoqTransport t = transport(honest)) {
            assertThat(fetch(t, 0)).isEqualTo(shard);
        }

        long stoqBefore = counter(0, "stoq_peer_connections_refused_total{code=\"TLS_KEY_MISMATCH\"}");
        try (StoqTransport t = transport(impostor)) {
            for (int attempt = 0; attempt < 3; attempt++) {
                assertThatThrownBy(() -> fetch(t, 0)).as("shard fetch, attempt %d", attempt)
                        .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.TLS_KEY_MISMATCH));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(
                () -> counter(0, "stoq_peer_connections_refused_total{code=\"TLS_KEY_MISMATCH\"}") == stoqBefore + 3);

        long raftBefore = counter(0, "stoq_raft_refused_total{code=\"TLS_KEY_MISMATCH\"}");
        for (int attempt = 0; attempt < 3; attempt++) {
            assertThatThrownBy(() -> raftSubmit(impostor, 0)).as("Raft submit, attempt %d", attempt).isNotNull();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> counter(0, "stoq_raft_refused_total{code=\"TLS_KEY_MISMATCH\"}") > raftBefore);

        assertThat(awaitEqualHeads()).as("no entry appended").isEqualTo(heads);
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.node(i).ledgerWriter().reader().state().node("node-7")).as("no NODE_REGISTER on node %d", i).isNull();
        }
        assertThat(lines("(TLS_KEY_MISMATCH)", "peer connection")).as("STOQ refusals logged once, with the reason").hasSize(1);
        assertThat(lines("(TLS_KEY_MISMATCH)", "refused a Raft peer")).as("Raft refusals logged once, with the reason").hasSize(1);
        assertThat(lines("(TLS_KEY_MISMATCH)", "peer connection").get(0)).contains("TLS key");
    }

    @Test
    void aTranscriptSignatureRecordedFromAMembersHandshakeAndReplayedIsRefusedByEveryNode() throws Exception {
        // node-3's own keys and certificate, read from its data directory: an honest handshake with node-1 is recorded.
        NodeKeys member = NodeKeys.load(cluster.dataDir(2).resolve("node"), null);
        List<X509Certificate> chain = PemFiles.readCertificates(cluster.dataDir(2).resolve("node").resolve("node.crt.pem"));
        HandshakeRecorder.Recording recording;
        try (StoqTransport t = transport(LocalIdentity.of(member, chain, root, networkId))) {
            recording = HandshakeRecorder.record(t, cluster.peerAddress(0));
        }
        List<String> heads = awaitEqualHeads();

        // The attacker holds node-3's TLS key (so the TLS binding passes) and the recorded bytes, not node-3's Falcon key.
        LocalIdentity attacker = Impostors.withKeys(NodeKeys.generate(), member.tls(), chain, root, networkId);
        long[] before = {counter(0, "stoq_peer_connections_refused_total{code=\"BAD_SIGNATURE\"}"),
                counter(1, "stoq_peer_connections_refused_total{code=\"BAD_SIGNATURE\"}")};
        try (StoqTransport t = transport(attacker)) {
            for (int attempt = 0; attempt < 3; attempt++) {
                for (int target : List.of(0, 1)) {
                    assertThat(HandshakeRecorder.replay(t, chain, recording, cluster.peerAddress(target)))
                            .as("replay to %s, attempt %d", cluster.nodeId(target), attempt).isEqualTo(NetErrorCode.BAD_SIGNATURE);
                }
            }
            // Its ordinary handshake signs with a Falcon key that is not the certificate's: no shard either.
            assertThatThrownBy(() -> fetch(t, 0)).isInstanceOfSatisfying(NetException.class,
                    e -> assertThat(e.code()).isEqualTo(NetErrorCode.BAD_SIGNATURE));
        }
        for (int target : List.of(0, 1)) {
            long was = before[target];
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> counter(target, "stoq_peer_connections_refused_total{code=\"BAD_SIGNATURE\"}") >= was + 3);
        }
        assertThat(awaitEqualHeads()).as("no entry appended").isEqualTo(heads);
        assertThat(lines("(BAD_SIGNATURE)", "peer connection")).as("logged once per refusing node, with the reason").hasSize(2);
    }

    /** Connects with {@code t} and fetches the shard node {@code index} holds. */
    static byte[] fetch(StoqTransport t, int index) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            PeerConnection c = t.connect(cluster.peerAddress(index));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new ShardClient(pool, io.stoq.net.shard.TransferListener.NONE).get(c, shardId, out);
            return out.toByteArray();
        } finally {
            pool.shutdownNow();
        }
    }

    static StoqTransport transport(LocalIdentity identity) throws Exception {
        return StoqTransport.builder(PeerConfig.DEFAULTS.withBind(new InetSocketAddress("127.0.0.1", 0)), identity).start();
    }

    /** A read-only SUBMIT to node {@code index}'s Raft server over mutual TLS with {@code identity}'s keys. */
    static void raftSubmit(LocalIdentity identity, int index) throws Exception {
        PeerVerifier trustsMembers = new PeerVerifier(root, networkId, new Revocations(), Clock.systemUTC());
        RaftTls tls = RaftTls.of(identity, InetAddress.getLoopbackAddress(), trustsMembers, why -> { });
        RaftPeer peer = RaftPeer.newBuilder().setId(cluster.nodeId(index))
                .setAddress("127.0.0.1:" + cluster.raftAddress(index).getPort()).build();
        RaftProperties props = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        try (RaftClient client = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(RaftGroupId.valueOf(UUID.nameUUIDFromBytes(root.getEncoded())), peer))
                .setProperties(props).setParameters(GrpcFactory.newRaftParameters(tls.grpcConfig()))
                .setRetryPolicy(RetryPolicies.noRetry()).build()) {
            var reply = client.io().sendReadOnly(Message.valueOf("submit"));
            if (!reply.isSuccess()) {
                throw reply.getException();
            }
        }
    }

    static List<X509Certificate> issue(String nodeId, NodeKeys keys) throws Exception {
        NodeClaims claims = NodeClaims.of(nodeId, "zone-7", EnumSet.allOf(NodeRole.class), keys.tls().getPublic(),
                keys.kem().getPublic(), keys.slhDsa().publicKey());
        return cluster.ca().issue(NodeCsr.create(keys.falcon(), claims), Duration.ofDays(30));
    }

    /** Log lines of the refusal loggers holding every one of {@code parts}. */
    List<String> lines(String... parts) {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : log.list) {
            String m = e.getFormattedMessage();
            if (List.of(parts).stream().allMatch(m::contains)) {
                out.add(m);
            }
        }
        return out;
    }

    /** Waits until the three ledgers have one head; returns it (height, state root, hash of the previous block) per node. */
    static List<String> awaitEqualHeads() {
        List<String> heads = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            heads.clear();
            for (int i = 0; i < 3; i++) {
                var r = cluster.node(i).ledgerWriter().reader();
                BlockHeader h = r.store().block(r.height()).header();
                heads.add(h.height() + "/" + h.stateRoot() + "/" + h.previousHash());
            }
            return heads.stream().distinct().count() == 1;
        });
        return List.copyOf(heads);
    }

    /** A counter's value in a node's /metrics (0 when absent). */
    static long counter(int index, String series) throws Exception {
        for (String line : cluster.get(index, "/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
