package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stoq.consensus.RaftPeerSpec;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.TxBody;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.node.cli.StoqCli;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.LedgerWriter;
import io.stoq.node.ledger.RaftLedgerWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator's revocation end to end on real nodes, the way docs/operations.md tells it:
 * {@code stoq ca revoke} re-signs the CRL, the new CRL is installed on <em>one</em> member only
 * (each node reads its own {@code node.crl} here), and that member's membership loop commits the
 * NODE_REVOKE. From the ledger alone, every node (also those whose CRL file still shows the node
 * valid) closes the revoked node's STOQ connections and refuses new ones, refuses its Raft
 * calls, the leader removes it from the group, and {@code GET /v1/nodes} stops listing it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CrlRevocationOnNodeTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = MiniCluster.builder(dir).nodes(3).raft().configure((index, c, config) -> {
            Path own = dir.resolve("crl-node-" + (index + 1) + ".pem");
            try {
                if (!Files.exists(own)) {
                    Files.copy(c.ca().directory().resolve("crl.pem"), own);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            config.put("node.crl", own.toString());
        }).start();
        cluster.adminKey(0);
        cluster.awaitConnected(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aCrlInstalledOnOneMemberRevokesTheNodeOnEveryNodeThroughTheLedger() throws Exception {
        int revoked = 2;
        String id = cluster.nodeId(revoked);
        byte[] shard = "a shard only node-2 holds".getBytes(StandardCharsets.UTF_8);
        Hash256 shardId = Sha3.hash(shard);
        cluster.node(1).shardStore().put(shardId, shard);
        PeerConnection open = cluster.node(revoked).peers().connect(cluster.peerAddress(1));
        assertThat(cluster.node(revoked).peers().fetch(open, shardId)).as("before: node-3 fetches from node-2").isEqualTo(shard);
        assertThat(nodesListed(1)).contains(id);

        // At the CA: stoq ca revoke re-signs the CRL. Installed on node-1 only.
        Path cert = cluster.dataDir(revoked).resolve("node").resolve("node.crt.pem");
        StringWriter out = new StringWriter();
        CommandLine cli = StoqCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertThat(cli.execute("ca", "revoke", "--ca-dir", cluster.ca().directory().toString(), cert.toString(),
                "--reason", "key_compromise")).as(out.toString()).isZero();
        Path node1Crl = dir.resolve("crl-node-1.pem");
        Files.copy(cluster.ca().directory().resolve("crl.pem"), dir.resolve("crl-new.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("crl-new.tmp"), node1Crl, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThat(Files.readString(dir.resolve("crl-node-2.pem"))).as("node-2's CRL still the old one")
                .isNotEqualTo(Files.readString(node1Crl));

        // node-1's membership loop commits the NODE_REVOKE; every ledger has it.
        for (int i : List.of(0, 1)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                var n = writer(i).reader().state().node(id);
                return n != null && n.revoked();
            });
        }
        // Every remaining member drops it from the group; the two left keep one ledger and take writes.
        for (int i : List.of(0, 1)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> raft(i).raft().members().current().get(id).isEmpty());
        }
        List<RaftPeerSpec> left = raft(0).raft().members().current().all();
        assertThat(left).extracting(RaftPeerSpec::nodeId).containsExactlyInAnyOrder(cluster.nodeId(0), cluster.nodeId(1));

        // STOQ on node-2 (whose CRL file never changed): the open connection is closed, a new one refused, no shard.
        await().atMost(Duration.ofSeconds(30)).until(() -> !open.isOpen());
        assertThatThrownBy(() -> cluster.node(revoked).peers().fetch(open, shardId)).isInstanceOf(NetException.class);
        assertThatThrownBy(() -> cluster.node(revoked).peers().connect(cluster.peerAddress(1)))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isIn(NetErrorCode.REVOKED,
                        NetErrorCode.UNREACHABLE, NetErrorCode.HANDSHAKE_FAILED, NetErrorCode.HANDSHAKE_TIMEOUT));
        await().atMost(Duration.ofSeconds(10)).until(
                () -> counter(1, "stoq_peer_connections_refused_total{code=\"REVOKED\"}") > 0);

        // GET /v1/nodes: no longer listed as a member by either node.
        for (int i : List.of(0, 1)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !nodesListed(i).contains(id));
        }

        // Raft: a write through the revoked node never commits; the others write on with equal heads.
        var late = writer(revoked).submit(writer(revoked).keys().operatorKey(false), List.of(), assetCreate("after the revocation"));
        Committed after = createAsOperator(0, "the others keep writing");
        awaitEqualHeads();
        for (int i : List.of(0, 1)) {
            assertThat(writer(i).reader().store().tx(after.txId())).isNotNull();
        }
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> !(late.isDone() && !late.isCompletedExceptionally()));
        late.cancel(true);
    }

    /** The node ids {@code GET /v1/nodes} lists on node {@code index}. */
    static List<String> nodesListed(int index) throws Exception {
        var body = io.stoq.node.cli.Json.mapper().readTree(cluster.get(index, "/v1/nodes").body());
        List<String> ids = new ArrayList<>();
        var items = body.has("items") ? body.get("items") : body;
        items.forEach(n -> ids.add(n.get("id").asText()));
        return ids;
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

    static TxBody.AssetCreate assetCreate(String name) {
        var id = Sha3.hash((name + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        return new TxBody.AssetCreate(id, name, id, new byte[0], 1, AssetPolicy.CREATOR_ONLY);
    }

    static Committed createAsOperator(int index, String name) throws Exception {
        LedgerWriter w = writer(index);
        return w.commit(w.keys().operatorKey(false), List.of(), assetCreate(name));
    }

    static void awaitEqualHeads() {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<String> heads = new ArrayList<>();
            for (int i : List.of(0, 1)) {
                var r = writer(i).reader();
                BlockHeader h = r.store().block(r.height()).header();
                heads.add(h.height() + "/" + h.stateRoot() + "/" + h.previousHash());
            }
            return heads.stream().distinct().count() == 1;
        });
    }

    static LedgerWriter writer(int index) {
        return cluster.node(index).ledgerWriter();
    }

    static RaftLedgerWriter raft(int index) {
        return (RaftLedgerWriter) writer(index);
    }
}
