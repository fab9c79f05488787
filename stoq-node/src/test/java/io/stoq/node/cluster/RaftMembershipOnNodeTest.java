package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stoq.consensus.RaftMembers;
import io.stoq.consensus.RaftPeerSpec;
import io.stoq.consensus.RaftTls;
import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.net.LocalIdentity;
import io.stoq.net.PeerConfig;
import io.stoq.net.Revocations;
import io.stoq.net.handshake.PeerVerifier;
import io.stoq.net.transport.StoqTransport;
import io.stoq.node.peer.PeerNetwork;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
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
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.TxBody;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.LedgerWriter;
import io.stoq.node.ledger.RaftLedgerWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registration on real nodes: three voters on one Raft ledger, a fourth node started with only
 * its certificate, the voters as seeds and a Raft address of its own asks to join; its
 * NODE_REGISTER commits, the group adds it as a voter, it catches up, takes writes, and every
 * node lists it. One cluster for the class (2 cores).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftMembershipOnNodeTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = MiniCluster.builder(dir).nodes(3).raft().start();
        await().atMost(Duration.ofSeconds(60)).until(() -> running().stream().allMatch(i -> writer(i).reader().height() >= 1));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aNodeStartedWithItsCertificateAndSeedsJoinsAsAVoterCatchesUpAndTakesWrites() throws Exception {
        Committed before = create(0, "alice", "before the fourth node");
        byte[] content = new byte[1024 * 1024 + 333];
        new java.util.Random(12).nextBytes(content);
        String asset = upload(0, content);
        int d = cluster.addNode();
        String id = cluster.nodeId(d);
        await().atMost(Duration.ofSeconds(90)).until(() -> raft(d).raft().isMember());
        for (int i : running()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> members(i).contains(id));
            RaftPeerSpec entry = members(i).get(id).orElseThrow();
            assertThat(entry.voter()).as("node %d sees %s as a voter", i, id).isTrue();
        }
        assertThat(writer(0).reader().state().node(id)).as("its NODE_REGISTER committed").isNotNull();
        awaitEqualHeads();
        assertThat(writer(d).reader().store().tx(before.txId())).as("the new node caught up").isNotNull();

        // Its own shares of every key epoch, sealed to it by the member that admitted it (KEY_SHARE), not in the epochs' own txs.
        io.stoq.node.keys.EpochKeys own = cluster.node(d).epochKeys();
        List<io.stoq.node.keys.EpochKeys.Epoch> epochs = own.all();
        assertThat(epochs).isNotEmpty();
        for (io.stoq.node.keys.EpochKeys.Epoch e : epochs) {
            assertThat(e.body().shares()).extracting(TxBody.NodeShare::nodeId).doesNotContain(id);
            assertThat(own.holdsShare(e)).as("%s holds a share of epoch %d", id, e.number()).isTrue();
            assertThat(own.privateKey(e)).as("its share of epoch %d opens with its own ML-KEM key", e.number()).isNotNull();
        }
        List<TxBody.KeyShare> keyShares = new ArrayList<>();
        for (Hash256 tx : writer(0).reader().store().indexed(io.stoq.ledger.store.Indexes.KEY_EPOCHS,
                io.stoq.ledger.store.Indexes.KEY_EPOCH_SUBJECT)) {
            if (writer(0).reader().store().tx(tx).tx().body() instanceof TxBody.KeyShare k) {
                keyShares.add(k);
                assertThat(writer(0).reader().state().nodeBySigner(writer(0).reader().store().tx(tx).tx().signer()).nodeId())
                        .as("signed by a founder").isIn("node-1", "node-2", "node-3");
            }
        }
        assertThat(keyShares).as("exactly one member shared, once").hasSize(1);
        // An asset uploaded before it joined, read byte-exact through it: the shards come from node-1 as
        // ciphertext (it keeps none), the asset key is unwrapped here with the share above.
        int held = shardFiles(d);
        await().atMost(Duration.ofSeconds(30)).until(() -> status(d, asset) == 200);
        assertThat(download(d, asset)).as("the asset uploaded before %s joined, through it", id).isEqualTo(content);
        assertThat(shardFiles(d)).as("it kept no shard").isEqualTo(held);

        // A custodial account made before it joined signs through it (its key is sealed to the epoch on the ledger).
        Committed through = create(d, "alice", "through the fourth node");
        awaitEqualHeads();
        for (int i : running()) {
            assertThat(writer(i).reader().store().tx(through.txId())).as("node %d has the new node's write", i).isNotNull();
        }
        for (int i : running()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String nodes = cluster.get(i, "/v1/nodes").body();
                for (int j : running()) {
                    assertThat(nodes).as("GET /v1/nodes on %s", cluster.nodeId(i)).contains("\"" + cluster.nodeId(j) + "\"");
                }
            });
        }
    }

    @Test
    @Order(2)
    void aNodeRevokedOnTheLedgerLeavesTheGroupAndItsOpenConnectionsCanNeitherSubmitNorFetch() throws Exception {
        int d = 3;
        String id = cluster.nodeId(d);
        int other = awaitLeaderOtherThan(id);
        byte[] shard = ("a shard only " + cluster.nodeId(other) + " holds").getBytes(StandardCharsets.UTF_8);
        Hash256 shardId = Sha3.hash(shard);
        cluster.node(other).shardStore().put(shardId, shard);
        // Connections the revoked node opened before its revocation: STOQ to a member, Raft's gRPC through its last write.
        PeerConnection open = cluster.node(d).peers().connect(cluster.peerAddress(other));
        assertThat(cluster.node(d).peers().fetch(open, shardId)).isEqualTo(shard);
        create(d, "alice", "through the fourth node before its revocation");
        var aliceThroughD = writer(d).keys().keyOf("alice"); // opened before the revocation closes its ledger

        // The operator's revoke, through any member: the ledger alone carries it (no CRL here).
        LedgerWriter w = writer(other);
        w.commit(w.keys().operatorKey(false), List.of(), new TxBody.NodeRevoke(id, "decommissioned"));

        for (int i : List.of(0, 1, 2)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !members(i).contains(id));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !open.isOpen());
        assertThatThrownBy(() -> cluster.node(d).peers().fetch(open, shardId)).as("its open STOQ connection").isInstanceOf(NetException.class);
        assertThatThrownBy(() -> cluster.node(d).peers().connect(cluster.peerAddress(other)))
                .as("a new STOQ connection").isInstanceOfSatisfying(NetException.class,
                        e -> assertThat(e.code()).isIn(NetErrorCode.REVOKED, NetErrorCode.UNREACHABLE, NetErrorCode.HANDSHAKE_FAILED,
                                NetErrorCode.HANDSHAKE_TIMEOUT));

        // A write through the revoked node: its SUBMIT travels over gRPC connections opened before; it must never commit.
        long refusedBefore = refusedRaftCalls();
        TxBody.AssetCreate lateBody = assetCreate("after the revocation");
        var late = writer(d).submit(aliceThroughD, List.of(), lateBody);
        Committed after = create(other, "frank", "the others keep writing");
        // Before its replica is stopped the SUBMIT goes out and is refused (counted); after, its own store refuses the write.
        await().atMost(Duration.ofSeconds(60)).until(() -> late.isDone() || refusedRaftCalls() > refusedBefore);
        assertThat(late.isDone() && !late.isCompletedExceptionally()).as("the revoked node's write completed").isFalse();
        awaitEqualHeads(List.of(0, 1, 2));
        for (int i : List.of(0, 1, 2)) {
            assertThat(writer(i).reader().state().asset(lateBody.assetId())).as("the revoked node's write on node %d", i).isNull();
            assertThat(writer(i).reader().state().node(id).revoked()).isTrue();
            assertThat(writer(i).reader().store().tx(after.txId())).isNotNull();
        }
        late.cancel(true);
    }

    @Test
    @Order(3)
    void aNodeCertifiedByAnotherCaCanNeitherFetchNorSubmitAndIsCountedByReason() throws Exception {
        // A rogue with a genuine-looking node certificate from a CA of its own, claiming this network's id.
        CertificateAuthority rogueCa = CertificateAuthority.init(dir.resolve("rogue-ca"), "stoq-dev", null, null,
                CertificateAuthority.Policy.DEFAULT, java.time.Clock.systemUTC());
        NodeKeys keys = NodeKeys.generate();
        NodeClaims claims = NodeClaims.of("node-9", "zone-9", EnumSet.allOf(NodeRole.class), keys.tls().getPublic(),
                keys.kem().getPublic(), keys.slhDsa().publicKey());
        List<X509Certificate> chain = rogueCa.issue(NodeCsr.create(keys.falcon(), claims), Duration.ofDays(30));
        X509Certificate root = PemFiles.readCertificate(cluster.ca().directory().resolve("root.crt.pem"));
        var networkId = PeerNetwork.networkId(root);
        LocalIdentity rogue = LocalIdentity.of(keys, chain, PemFiles.readCertificate(rogueCa.directory().resolve("root.crt.pem")),
                networkId);

        int target = 0;
        long stoqBefore = counter(target, "stoq_peer_connections_refused_total{code=\"CHAIN_REJECTED\"}");
        try (StoqTransport t = StoqTransport.builder(PeerConfig.DEFAULTS.withBind(new InetSocketAddress("127.0.0.1", 0)), rogue).start()) {
            assertThatThrownBy(() -> t.connect(cluster.peerAddress(target))).isInstanceOfSatisfying(NetException.class,
                    e -> assertThat(e.code()).isEqualTo(NetErrorCode.CHAIN_REJECTED));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> counter(target, "stoq_peer_connections_refused_total{code=\"CHAIN_REJECTED\"}")
                > stoqBefore);

        // Raft: the rogue trusts the members' certificates (they are genuine) and presents its own; the member refuses it at TLS.
        long raftBefore = counter(target, "stoq_raft_refused_total{code=\"CHAIN_REJECTED\"}");
        PeerVerifier trustsMembers = new PeerVerifier(root, networkId, new Revocations(), java.time.Clock.systemUTC());
        RaftTls rogueTls = RaftTls.of(rogue, java.net.InetAddress.getLoopbackAddress(), trustsMembers, why -> { });
        long height = writer(target).reader().height();
        RaftPeer member = RaftPeer.newBuilder().setId(cluster.nodeId(target))
                .setAddress("127.0.0.1:" + cluster.raftAddress(target).getPort()).build();
        RaftProperties props = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        try (RaftClient client = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(RaftGroupId.valueOf(java.util.UUID.nameUUIDFromBytes(root.getEncoded())), member))
                .setProperties(props).setParameters(GrpcFactory.newRaftParameters(rogueTls.grpcConfig()))
                .setRetryPolicy(RetryPolicies.noRetry()).build()) {
            assertThatThrownBy(() -> {
                var reply = client.io().sendReadOnly(Message.valueOf("submit"));
                if (!reply.isSuccess()) {
                    throw reply.getException();
                }
            }).isNotNull();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> counter(target, "stoq_raft_refused_total{code=\"CHAIN_REJECTED\"}")
                > raftBefore);
        assertThat(writer(target).reader().height()).as("nothing appended").isGreaterThanOrEqualTo(height);
        assertThat(writer(target).reader().state().node("node-9")).isNull();
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

    /** Raft calls refused since their peer was revoked, summed over the three founders. */
    static long refusedRaftCalls() throws Exception {
        long n = 0;
        for (int i : List.of(0, 1, 2)) {
            for (String line : cluster.get(i, "/metrics").body().split("\n")) {
                if (line.startsWith("stoq_raft_refused_total{code=\"REVOKED\"}")) {
                    n += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return n;
    }

    /** A founder that leads (waits for one; the new node is not picked, so the revoked node never holds the test's writes). */
    static int awaitLeaderOtherThan(String id) {
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of(0, 1, 2).stream().anyMatch(i -> raft(i).raft().isLeader()));
        return List.of(0, 1, 2).stream().filter(i -> raft(i).raft().isLeader()).findFirst().orElse(0);
    }

    static TxBody.AssetCreate assetCreate(String name) {
        var id = Sha3.hash((name + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        return new TxBody.AssetCreate(id, name, id, new byte[0], 1, AssetPolicy.CREATOR_ONLY);
    }

    static RaftMembers.Members members(int index) throws Exception {
        return raft(index).raft().members().current();
    }

    static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

    /** An upload through node {@code index} as the network's dev admin (node-1's API key works on every node). */
    static String upload(int index, byte[] content) throws Exception {
        var r = HTTP.send(request(index, "/v1/assets").header("Content-Type", "application/octet-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(content)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("id").asText();
    }

    static int status(int index, String asset) throws Exception {
        return HTTP.send(request(index, "/v1/assets/" + asset).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static byte[] download(int index, String asset) throws Exception {
        var r = HTTP.send(request(index, "/v1/assets/" + asset + "/content").build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("download through node %d: %s", index, new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return r.body();
    }

    static java.net.http.HttpRequest.Builder request(int index, String path) throws Exception {
        return java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + cluster.node(index).port() + path))
                .header("Authorization", "Bearer " + cluster.adminKey(0)).timeout(Duration.ofSeconds(60));
    }

    static int shardFiles(int index) throws Exception {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        cluster.node(index).shardStore().forEach(h -> n.incrementAndGet());
        return n.get();
    }

    /** A fresh asset created by {@code account} (a network account's custodial key) through node {@code index}. */
    static Committed create(int index, String account, String name) throws Exception {
        cluster.ensureNetworkAccount(index, account);
        LedgerWriter w = writer(index);
        var id = Sha3.hash((name + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        return w.commit(w.keys().keyOf(account), List.of(), new TxBody.AssetCreate(id, name, id, new byte[0], 1, AssetPolicy.CREATOR_ONLY));
    }

    static void awaitEqualHeads() {
        awaitEqualHeads(running());
    }

    static void awaitEqualHeads(List<Integer> nodes) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<String> heads = new ArrayList<>();
            for (int i : nodes) {
                var r = writer(i).reader();
                BlockHeader h = r.store().block(r.height()).header();
                heads.add(h.height() + "/" + h.stateRoot() + "/" + h.txRoot() + "/" + h.previousHash());
            }
            return heads.stream().distinct().count() == 1;
        });
    }

    static List<Integer> running() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            if (cluster.isRunning(i)) {
                out.add(i);
            }
        }
        return out;
    }

    static LedgerWriter writer(int index) {
        return cluster.node(index).ledgerWriter();
    }

    static RaftLedgerWriter raft(int index) {
        return (RaftLedgerWriter) writer(index);
    }
}
