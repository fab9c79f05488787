package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.daemon.StoqNode;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes on one Raft ledger (ledger.mode=raft through {@link MiniCluster.Builder#raft}):
 * a write through any node is committed once and applied by all, their heads and state roots
 * equal; the leader killed, writes continue through another node, and the old leader catches up
 * when it restarts. One cluster for the class (2 cores).
 */
class RaftClusterOnNodeTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = MiniCluster.builder(dir).nodes(3).raft().start();
        // genesis and setup, proposed by node-1 once a quorum formed, applied everywhere
        await().atMost(Duration.ofSeconds(60)).until(() -> running().stream().allMatch(i -> writer(i).reader().height() >= 1));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void writesThroughAnyNodeLandOnEveryLedgerAndSurviveTheLeader() throws Exception {
        Committed first = create(0, "alice", "first");
        Committed second = create(1, "bob", "second");
        Committed third = create(2, "carol", "third");
        assertThat(List.of(first.height(), second.height(), third.height())).allMatch(h -> h >= 2);
        awaitEqualHeads();
        for (int i = 0; i < 3; i++) {
            assertThat(writer(i).reader().store().tx(first.txId())).as("node %d has node-1's write", i).isNotNull();
            assertThat(writer(i).reader().store().tx(third.txId())).as("node %d has node-3's write", i).isNotNull();
        }

        int leader = leader();
        cluster.kill(leader);
        int other = (leader + 1) % 3;
        await().atMost(Duration.ofSeconds(30)).until(() -> raft(other).raft().leader().isPresent()
                && !raft(other).raft().leader().get().equals(cluster.nodeId(leader)));
        Committed afterKill = create(other, "dave", "after the leader died");
        Committed afterKill2 = create((leader + 2) % 3, "erin", "and through the third node");
        assertThat(afterKill2.height()).isGreaterThanOrEqualTo(afterKill.height());
        awaitEqualHeads();

        cluster.restart(leader);
        awaitEqualHeads();
        assertThat(writer(leader).reader().store().tx(afterKill.txId())).as("the old leader caught up").isNotNull();
    }

    @Test
    void concurrentWritesOfOneAccountShareSignaturesAndVerifyOnEveryNode() throws Exception {
        int through = (leader() + 1) % 3; // a follower: its writer signs, the leader orders
        LedgerWriter w = writer(through);
        var accounts = cluster.node(through).networkAccounts();
        if (accounts.account("frank").isEmpty()) {
            accounts.create("frank", io.stoq.fragmint.port.Role.WRITER, "frank");
        }
        var key = w.keys().keyOf("frank");
        List<java.util.concurrent.CompletableFuture<Committed>> futures = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            var id = Sha3.hash(("batch " + i + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
            futures.add(w.submit(key, List.of(), new TxBody.AssetCreate(id, "batch " + i, id, new byte[0], 1, AssetPolicy.CREATOR_ONLY)));
        }
        List<Committed> committed = new ArrayList<>();
        for (var f : futures) {
            committed.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
        }
        awaitEqualHeads();
        java.util.Set<Integer> signatures = new java.util.HashSet<>();
        for (int i : running()) {
            for (Committed c : committed) {
                var stored = writer(i).reader().store().tx(c.txId());
                assertThat(stored).as("node %d has tx %s", i, c.txId()).isNotNull();
                assertThat(stored.height()).isEqualTo(c.height());
                assertThat(stored.index()).as("the index the writer reported").isEqualTo(c.index());
                // read back from disk, the tx carries no trust: its own bytes prove the signature
                var tx = io.stoq.ledger.tx.Transaction.decode(stored.tx().encoded());
                assertThat(tx.signatureValid(raft(i).raft().ledger().network())).isTrue();
                signatures.add(java.util.Arrays.hashCode(tx.signature()));
            }
        }
        assertThat(signatures).as("%d writes submitted together share signatures", committed.size()).hasSizeLessThan(committed.size());
    }

    /** A fresh asset created by {@code account} (a network account, made through that node if new) through node {@code index}. */
    private static Committed create(int index, String account, String name) throws Exception {
        LedgerWriter w = writer(index);
        var accounts = cluster.node(index).networkAccounts(); // accounts are network state on Raft
        if (accounts.account(account).isEmpty()) {
            accounts.create(account, io.stoq.fragmint.port.Role.WRITER, account);
        }
        var id = Sha3.hash((name + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        return w.commit(w.keys().keyOf(account), List.of(), new TxBody.AssetCreate(id, name, id, new byte[0], 1, AssetPolicy.CREATOR_ONLY));
    }

    private static void awaitEqualHeads() {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<String> heads = new ArrayList<>();
            for (int i : running()) {
                var r = writer(i).reader();
                BlockHeader h = r.store().block(r.height()).header();
                heads.add(h.height() + "/" + h.stateRoot() + "/" + h.txRoot() + "/" + h.previousHash());
            }
            return heads.stream().distinct().count() == 1;
        });
    }

    private static int leader() {
        await().atMost(Duration.ofSeconds(30)).until(() -> running().stream().anyMatch(i -> raft(i).raft().isLeader()));
        return running().stream().filter(i -> raft(i).raft().isLeader()).findFirst().orElseThrow();
    }

    private static List<Integer> running() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            if (cluster.isRunning(i)) {
                out.add(i);
            }
        }
        return out;
    }

    private static LedgerWriter writer(int index) {
        StoqNode n = cluster.node(index);
        return n.ledgerWriter();
    }

    private static RaftLedgerWriter raft(int index) {
        return (RaftLedgerWriter) writer(index);
    }
}
