package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.LedgerWriter;
import io.stoq.node.ledger.RaftLedgerWriter;
import io.stoq.node.ledger.RaftSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Raft leader that cannot sign for a shared signer refuses the forwarded write, and the follower
 * that holds the key signs it itself. Here the founders' ML-KEM keys are given for node-1 only
 * (as {@code stoq dev --nodes 3} wrote them before), so only node-1 holds a share of key epoch 1
 * and can open a network account's custodial key; node-1 (slowest to stand for election) follows
 * and writes as that account. Before, the leader answered "cannot open the key" as reply metadata while the follower
 * read the outcome from the body, found it empty, and failed the write with UNAVAILABLE (503,
 * "the Raft leader's answer to the change was cut off (the answer ended before its outcome)"):
 * the failure CI saw in DevNetworkProcessIT whenever node-1 was not the leader.
 */
@Timeout(300)
class LeaderWithoutSignerKeyTest {
    @TempDir
    Path dir;

    @Test
    void aLeaderThatCannotOpenTheSignersKeyRefusesAndTheFollowerSignsTheWriteItself() throws Exception {
        try (MiniCluster cluster = MiniCluster.builder(dir).nodes(3).raft().config("raft.leader-signing", "true")
                .configure((i, c, config) -> {
                    if (i == 0) {
                        config.put("raft.founders", foundersWithOneKemKey().toString());
                        // node-1 waits far longer than the others before it stands for election: another node leads
                        config.put("raft.election-timeout-min", "10s");
                        config.put("raft.election-timeout-max", "12s");
                    }
                }).start()) {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                for (int i = 0; i < 3; i++) {
                    if (cluster.node(i).ledgerWriter().reader().height() < 1) {
                        return false;
                    }
                }
                return true;
            });
            cluster.awaitConnected(Duration.ofSeconds(60));
            cluster.ensureNetworkAccount(0, "dana");
            for (int i = 1; i < 3; i++) {
                int node = i;
                await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(node).networkAccounts().account("dana").isPresent());
                assertThatThrownBy(() -> cluster.node(node).ledgerWriter().keys().keyOf("dana")).as("node %d holds no share", node)
                        .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeErrorCode.NOT_PERMITTED));
            }
            leaderSeenBy(cluster, 0);
            long refusedBefore = refusedStreams(cluster, 1) + refusedStreams(cluster, 2);

            // Three writes, each must commit; at least one must have gone to the leader and been refused
            // there (a leader change under load may leave node-1 without a leader for a moment: it then
            // signs without asking, which proves nothing here but must still commit).
            LedgerWriter w = cluster.node(0).ledgerWriter();
            List<Committed> written = new java.util.ArrayList<>();
            for (int k = 0; k < 3; k++) {
                Hash256 id = Sha3.hash(("written as dana through a follower " + k).getBytes(StandardCharsets.UTF_8));
                written.add(w.commit(w.keys().keyOf("dana"), List.of(),
                        new TxBody.AssetCreate(id, "dana's " + k, id, new byte[0], 1, AssetPolicy.CREATOR_ONLY)));
            }

            assertThat(refusedStreams(cluster, 1) + refusedStreams(cluster, 2)).as("a write was sent to the leader, which refused it")
                    .isGreaterThan(refusedBefore);
            for (Committed each : written) {
                assertThat(w.reader().store().tx(each.txId()).tx().signer()).isEqualTo(w.keys().ledgerIdOf("dana"));
            }
            Committed c = written.get(written.size() - 1);
            for (int i = 1; i < 3; i++) {
                int node = i;
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> cluster.node(node).ledgerWriter().reader().store().tx(c.txId()) != null);
            }
        }
    }

    /** The founders' directory with node-1's ML-KEM key only: the first key epoch is sealed to node-1 alone. */
    private Path foundersWithOneKemKey() {
        Path all = dir.resolve("founders");
        Path some = dir.resolve("founders-one-kem");
        try {
            Files.createDirectories(some);
            try (var files = Files.list(all)) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (!name.endsWith(RaftSettings.KEM_SUFFIX) || name.equals("node-1" + RaftSettings.KEM_SUFFIX)) {
                        Files.copy(f, some.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return some;
    }

    private static io.stoq.consensus.RaftLedger raft(MiniCluster cluster, int index) {
        return ((RaftLedgerWriter) cluster.node(index).ledgerWriter()).raft();
    }

    /**
     * Waits until node {@code index} follows a leader it sees among its peers (so its write is
     * sent there) and returns the leader's index.
     */
    private static int leaderSeenBy(MiniCluster cluster, int index) {
        await().atMost(Duration.ofSeconds(60)).until(() -> raft(cluster, index).leader().isPresent());
        assertThat(raft(cluster, index).isLeader()).as("%s, slowest to stand for election, leads", cluster.nodeId(index)).isFalse();
        String leaderId = raft(cluster, index).leader().get();
        await().atMost(Duration.ofSeconds(60)).until(() -> cluster.node(index).peers().peers().stream()
                .anyMatch(p -> p.nodeId().equals(leaderId)));
        for (int i = 0; i < cluster.size(); i++) {
            if (cluster.nodeId(i).equals(leaderId)) {
                return i;
            }
        }
        throw new AssertionError("no node is " + leaderId);
    }

    /** Streams node {@code index} answered REFUSED (its /metrics counter). */
    private static long refusedStreams(MiniCluster cluster, int index) {
        String prefix = "stoq_peer_stream_errors_total{code=\"REFUSED\"} ";
        return cluster.node(index).peers().metrics().lines().filter(l -> l.startsWith(prefix))
                .mapToLong(l -> Long.parseLong(l.substring(prefix.length()).trim())).sum();
    }
}
