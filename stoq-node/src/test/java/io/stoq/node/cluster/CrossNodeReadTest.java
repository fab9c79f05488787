package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.keys.EpochKeys;
import io.stoq.node.keys.NetworkKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's first acceptance line on three real nodes on one Raft ledger: an asset uploaded
 * through node 1 is downloaded byte-exact through every other node, which keeps nothing it reads:
 * what it does not hold comes from a holder over STOQ ({@link io.stoq.node.peer.PeerReadThrough}),
 * the asset key through the network's key epoch (sealed to every founder at genesis). Then a
 * rotation: old and new uploads stay readable everywhere.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrossNodeReadTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final AtomicLong SEED = new AtomicLong(7);

    @BeforeAll
    static void start() throws Exception {
        cluster = MiniCluster.builder(dir).nodes(3).raft().start();
        awaitEpochEverywhere(1);
        cluster.awaitConnected(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void anAssetUploadedThroughOneNodeIsReadByteExactThroughEveryOther() throws Exception {
        byte[] content = content(3 * 1024 * 1024 + 17); // several shards
        String id = upload(0, content);
        for (int i = 1; i < cluster.size(); i++) {
            int reader = i;
            await().atMost(Duration.ofSeconds(30)).until(() -> status(reader, id) == 200);
            int held = shardFiles(reader);
            assertThat(download(reader, id)).as("through node %d", reader).isEqualTo(content);
            assertThat(shardFiles(reader)).as("node %d kept nothing: it read node-1's shards over STOQ", reader).isEqualTo(held);
        }
    }

    @Test
    @Order(3)
    void afterARotationOldAndNewAssetsAreReadableThroughEveryNode() throws Exception {
        byte[] before = content(200_000);
        String old = upload(1, before);
        EpochKeys keys = cluster.node(0).epochKeys();
        long was = keys.current().orElseThrow().number();
        NetworkKeys.Rotation r = NetworkKeys.rotate(cluster.node(0).ledgerWriter(), keys, Map.of());
        assertThat(r.epoch()).isEqualTo(was + 1);
        assertThat(r.members()).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
        awaitEpochEverywhere(r.epoch());
        byte[] after = content(300_000);
        String fresh = upload(2, after);
        for (int i = 0; i < cluster.size(); i++) {
            int reader = i;
            await().atMost(Duration.ofSeconds(30)).until(() -> status(reader, fresh) == 200);
            assertThat(download(reader, old)).as("old asset through node %d", reader).isEqualTo(before);
            assertThat(download(reader, fresh)).as("new asset through node %d", reader).isEqualTo(after);
        }
    }

    @Test
    @Order(2)
    void aShareIsOpenedOnlyByItsNode() throws Exception {
        EpochKeys.Epoch e = cluster.node(0).epochKeys().current().orElseThrow();
        // every node opens its own share of the current epoch...
        for (int i = 0; i < cluster.size(); i++) {
            assertThat(cluster.node(i).epochKeys().privateKey(e)).isNotNull();
        }
        // ...and a share handed to another node's key does not open
        var share = e.body().shares().stream().filter(s -> s.nodeId().equals("node-2")).findFirst().orElseThrow();
        var node1 = io.stoq.crypto.ca.NodeKeys.load(cluster.dataDir(0).resolve("node"), null);
        assertThatThrownBy(() -> io.stoq.node.keys.EpochShare.open(e.number(), e.publicKey(), "node-2", share.sealed(),
                node1.kem().getPrivate(), node1.kem().getPublic()))
                .isInstanceOfSatisfying(NodeException.class, x -> assertThat(x.code()).isEqualTo(NodeErrorCode.NOT_PERMITTED));
    }

    @Test
    @Order(4)
    void aNodeRevokedBeforeARotationCannotUnwrapKeysOfTheNewEpoch() throws Exception {
        byte[] before = content(100_000);
        String old = upload(0, before);
        // Revoke a node that does not lead the Raft group (a revoked leader stalls until membership
        // replaces it; that path is RaftMembershipOnNodeTest's).
        int gone = raft(2).raft().isLeader() ? 1 : 2;
        int member = 3 - gone;
        String goneId = cluster.nodeId(gone);
        await().atMost(Duration.ofSeconds(30)).until(() -> status(gone, old) == 200); // it could read the old asset
        var w = cluster.node(0).ledgerWriter();
        w.commit(w.keys().operatorKey(false), java.util.List.of(), new io.stoq.ledger.tx.TxBody.NodeRevoke(goneId, "test: revoked"));
        NetworkKeys.Rotation r = NetworkKeys.rotate(w, cluster.node(0).epochKeys(), Map.of());
        assertThat(r.members()).containsExactlyInAnyOrder("node-1", cluster.nodeId(member));
        awaitEpochOn(java.util.List.of(0, member), r.epoch());
        EpochKeys.Epoch newEpoch = cluster.node(0).epochKeys().epoch(r.epoch());
        assertThat(newEpoch.body().shares()).extracting(io.stoq.ledger.tx.TxBody.NodeShare::nodeId).doesNotContain(goneId);
        byte[] after = content(100_000);
        String fresh = upload(0, after);
        assertThat(download(member, fresh)).as("a member reads it").isEqualTo(after);

        // The revoked node is taken out of the Raft group and its connections are refused, so it may
        // never even apply the rotation; if it did, it holds no share of the new epoch. Either way
        // it cannot decrypt the new asset.
        EpochKeys revoked = cluster.node(gone).epochKeys();
        try {
            EpochKeys.Epoch seen = revoked.epoch(r.epoch());
            assertThatThrownBy(() -> revoked.privateKey(seen))
                    .isInstanceOfSatisfying(NodeException.class, x -> assertThat(x.code()).isEqualTo(NodeErrorCode.NOT_PERMITTED));
        } catch (NodeException unknown) {
            assertThat(unknown.code()).as("the revoked node never learned the new epoch").isEqualTo(NodeErrorCode.NOT_FOUND);
        }
        HttpResponse<byte[]> refused = HTTP.send(request(gone, "/v1/assets/" + fresh + "/content").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(refused.statusCode()).as("the revoked node cannot decrypt the new asset").isNotEqualTo(200);
        assertThat(download(member, old)).as("members still read the old asset").isEqualTo(before);
    }

    static io.stoq.node.ledger.RaftLedgerWriter raft(int index) {
        return (io.stoq.node.ledger.RaftLedgerWriter) cluster.node(index).ledgerWriter();
    }

    @Test
    @Order(0)
    void anAccountMadeThroughOneNodeAuthenticatesAndOwnsAssetsOnEveryNode() throws Exception {
        var made = cluster.node(0).networkAccounts();
        made.create("alice", io.stoq.fragmint.port.Role.WRITER, "Alice");
        var key = io.stoq.fragmint.auth.ApiKeys.issue("alice", "laptop", java.time.Instant.now(), null);
        made.addApiKey(key.stored());
        for (int i = 0; i < cluster.size(); i++) {
            int node = i;
            await().atMost(Duration.ofSeconds(30)).until(() -> me(node, key.plaintext()).statusCode() == 200);
            assertThat(new ObjectMapper().readTree(me(node, key.plaintext()).body()).path("account").path("id").asText()).isEqualTo("alice");
            assertThat(me(node, cluster.adminKey(0)).statusCode()).as("node-1's dev admin key on node %d", node).isEqualTo(200);
        }
        // alice uploads through node 2 and is the owner seen through node 1: one ledger identity on every node
        byte[] content = content(50_000);
        HttpResponse<String> up = HTTP.send(as(1, "/v1/assets", key.plaintext()).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
        String id = new ObjectMapper().readTree(up.body()).get("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> HTTP.send(as(0, "/v1/assets/" + id, key.plaintext()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        String seenBody = HTTP.send(as(0, "/v1/assets/" + id, key.plaintext()).build(), HttpResponse.BodyHandlers.ofString()).body();
        JsonNode seen = new ObjectMapper().readTree(seenBody);
        assertThat(seen.path("owner").asText()).as(seenBody).isEqualTo("alice");
        assertThat(HTTP.send(as(0, "/v1/assets/" + id + "/content", key.plaintext()).build(), HttpResponse.BodyHandlers.ofByteArray())
                .body()).isEqualTo(content);

        // revoked through node 3: refused on node 1 once applied there
        cluster.node(2).networkAccounts().revokeApiKey("alice", key.stored().keyId());
        await().atMost(Duration.ofSeconds(30)).until(() -> me(0, key.plaintext()).statusCode() == 401);
    }

    @Test
    @Order(5)
    void aRaftNodeWithAnotherOperatorKeyThanTheLedgersAdminRefusesToStart() throws Exception {
        cluster.kill(1);
        Path accounts = cluster.dataDir(1).resolve("accounts"); // (revoked or not: the check comes before Raft)
        java.nio.file.Files.delete(accounts.resolve("operator.key.pem"));
        java.nio.file.Files.delete(accounts.resolve("operator.pub.pem"));
        io.stoq.node.ledger.CustodialKeys.open(accounts).operatorKey(true); // a stranger's key
        assertThatThrownBy(() -> cluster.restart(1))
                .isInstanceOfSatisfying(NodeException.class, x -> assertThat(x.code()).isEqualTo(NodeErrorCode.CORRUPT_DATA));
    }

    static HttpResponse<String> me(int node, String apiKey) throws Exception {
        return HTTP.send(as(node, "/v1/me", apiKey).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder as(int node, String path, String apiKey) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(node).port() + path))
                .header("Authorization", "Bearer " + apiKey).timeout(Duration.ofSeconds(60));
    }

    static int shardFiles(int node) throws Exception {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        cluster.node(node).shardStore().forEach(h -> n.incrementAndGet());
        return n.get();
    }

    static void awaitEpochOn(java.util.List<Integer> nodes, long epoch) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            for (int i : nodes) {
                var w = cluster.node(i).ledgerWriter();
                if (w.reader().height() < 1 || w.reader().state().currentEpoch() < epoch) {
                    return false;
                }
            }
            return true;
        });
    }

    static void awaitEpochEverywhere(long epoch) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            for (int i = 0; i < cluster.size(); i++) {
                if (!cluster.isRunning(i)) {
                    continue;
                }
                var w = cluster.node(i).ledgerWriter();
                if (w.reader().height() < 1 || w.reader().state().currentEpoch() < epoch) {
                    return false;
                }
            }
            return true;
        });
    }

    static byte[] content(int size) {
        byte[] b = new byte[size];
        new Random(SEED.incrementAndGet()).nextBytes(b);
        return b;
    }

    static String upload(int node, byte[] content) throws Exception {
        HttpResponse<String> r = HTTP.send(request(node, "/v1/assets").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode meta = new ObjectMapper().readTree(r.body());
        return meta.get("id").asText();
    }

    static int status(int node, String id) throws Exception {
        return HTTP.send(request(node, "/v1/assets/" + id).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static byte[] download(int node, String id) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(request(node, "/v1/assets/" + id + "/content").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("download of %s through node %d: %s", id, node, new String(r.body())).isEqualTo(200);
        return r.body();
    }

    static HttpRequest.Builder request(int node, String path) throws Exception {
        // each node's own key of the network's dev admin (admins read every asset)
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(node).port() + path))
                .header("Authorization", "Bearer " + cluster.adminKey(node)).timeout(Duration.ofSeconds(60));
    }
}
