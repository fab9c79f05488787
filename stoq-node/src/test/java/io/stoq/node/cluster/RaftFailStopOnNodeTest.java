package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stoq.consensus.ConsensusErrorCode;
import io.stoq.consensus.ConsensusException;
import io.stoq.consensus.ConsensusFaults;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.daemon.StoqNode;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.LedgerWriter;
import io.stoq.node.ledger.RaftLedgerWriter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail-stop on a real 3-node Raft cluster: one replica's disk fails while it applies a committed
 * block (fault point {@link ConsensusFaults#APPLY}, an {@link IOException} as a full disk throws).
 * That node must stop (its API gone, its failure a {@link ConsensusErrorCode#LEDGER_FAILURE}, exit
 * code 103) instead of serving a ledger behind its log, while the other two keep committing; once
 * the fault is gone and the node restarts, it replays the log and ends with the same head, state
 * root and txs as the others. Fails with the old state machine, which logged the failure, moved
 * on, and kept serving.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RaftFailStopOnNodeTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aReplicaWhoseDiskFailsOnApplyStopsAndCatchesUpAfterRestart() throws Exception {
        try (MiniCluster cluster = MiniCluster.builder(dir).nodes(3).raft().start()) {
            await().atMost(Duration.ofSeconds(90)).until(() -> heights(cluster).stream().allMatch(h -> h >= 1));
            awaitEqualHeads(cluster);
            int leader = leader(cluster);
            // accounts are network state: made (and applied everywhere) before the fault, so the block it hits is the asset's
            cluster.ensureNetworkAccount(leader, "alice");
            cluster.ensureNetworkAccount(leader, "bob");
            awaitEqualHeads(cluster);
            int victim = (leader + 1) % 3;
            String victimId = cluster.nodeId(victim);
            StoqNode victimNode = cluster.node(victim);
            int victimPort = victimNode.port();
            long before = writer(cluster, victim).reader().height();

            AtomicInteger fired = new AtomicInteger();
            Committed lost;
            try (ConsensusFaults.Installed fault = ConsensusFaults.install(ConsensusFaults.APPLY, (node, height) -> {
                if (node.equals(victimId)) {
                    fired.incrementAndGet();
                    throw new IOException("No space left on device (injected at block " + height + ")");
                }
            })) {
                lost = create(cluster, leader, "alice", "written while " + victimId + "'s disk is full");
                await().atMost(Duration.ofSeconds(60)).until(() -> victimNode.failure().isPresent());
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThatThrownBy(() -> health(victimPort))
                        .as("the stopped node serves nothing").isInstanceOf(ConnectException.class));
                // The rest of the network goes on without it.
                create(cluster, (victim + 1) % 3, "bob", "after the fail-stop");
            }
            assertThat(fired.get()).as("the failed replica applied nothing after its first failure").isEqualTo(1);
            assertThat(lost.height()).isGreaterThan(before);
            ConsensusException why = (ConsensusException) victimNode.failure().orElseThrow();
            assertThat(why.code()).isEqualTo(ConsensusErrorCode.LEDGER_FAILURE);
            assertThat(why.exitCode()).isEqualTo(103);
            assertThat(why.getMessage()).contains(victimId).contains("block " + (before + 1));

            victimNode.awaitClose(); // the fail-stop's close may still be releasing the stores; a restart must wait for it
            cluster.restart(victim);
            awaitEqualHeads(cluster);
            assertThat(writer(cluster, victim).reader().store().tx(lost.txId())).as("replayed after the restart").isNotNull();
            assertThat(health(cluster.node(victim).port())).isEqualTo(200);
        }
    }

    private int health(int port) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Committed create(MiniCluster cluster, int index, String account, String name) throws Exception {
        LedgerWriter w = writer(cluster, index);
        var id = Sha3.hash((name + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        return w.commit(w.keys().keyOf(account), List.of(), new TxBody.AssetCreate(id, name, id, new byte[0], 1, AssetPolicy.CREATOR_ONLY));
    }

    private static List<Long> heights(MiniCluster cluster) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            out.add(writer(cluster, i).reader().height());
        }
        return out;
    }

    private static void awaitEqualHeads(MiniCluster cluster) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            List<String> heads = new ArrayList<>();
            for (int i = 0; i < cluster.size(); i++) {
                var r = writer(cluster, i).reader();
                BlockHeader h = r.store().block(r.height()).header();
                heads.add(h.height() + "/" + h.hash() + "/" + h.stateRoot());
            }
            return heads.stream().distinct().count() == 1;
        });
    }

    private static int leader(MiniCluster cluster) {
        await().atMost(Duration.ofSeconds(30)).until(() -> find(cluster) >= 0);
        return find(cluster);
    }

    private static int find(MiniCluster cluster) {
        for (int i = 0; i < cluster.size(); i++) {
            if (((RaftLedgerWriter) writer(cluster, i)).raft().isLeader()) {
                return i;
            }
        }
        return -1;
    }

    private static LedgerWriter writer(MiniCluster cluster, int index) {
        return cluster.node(index).ledgerWriter();
    }
}
