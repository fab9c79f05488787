package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.verify.ChainVerifier;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.LedgerWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: "nonces cannot race between nodes". One network account signs through all three
 * nodes of a Raft ledger at once (its custodial key is network state, so every node holds it):
 * 3 x 20 concurrent writes all commit, each with its own nonce, and the ledger verifies on every
 * node. Before writes of a shared signer were signed on the leader, two nodes picked the same
 * nonce and the losers failed UNAVAILABLE (503) once their re-sign retries ran out.
 */
@Timeout(300)
class SharedSignerNonceTest {
    static final int PER_NODE = 20;
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = MiniCluster.builder(dir).nodes(3).raft().config("raft.leader-signing", "true").start();
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            for (int i = 0; i < 3; i++) {
                if (cluster.node(i).ledgerWriter().reader().height() < 1) {
                    return false;
                }
            }
            return true;
        });
        cluster.awaitConnected(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void concurrentWritesOfOneAccountThroughEveryNodeAllCommitWithDistinctNonces() throws Exception {
        cluster.ensureNetworkAccount(0, "carol");
        for (int i = 0; i < 3; i++) {
            int node = i;
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> cluster.node(node).ledgerWriter().keys().keyOf("carol") != null);
        }
        ExecutorService pool = Executors.newFixedThreadPool(3 * PER_NODE);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Committed>> writes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                LedgerWriter w = cluster.node(i).ledgerWriter();
                for (int k = 0; k < PER_NODE; k++) {
                    String name = "node " + i + " write " + k;
                    writes.add(pool.submit(() -> {
                        go.await();
                        Hash256 id = Sha3.hash(name.getBytes(StandardCharsets.UTF_8));
                        return w.commit(w.keys().keyOf("carol"), List.of(),
                                new TxBody.AssetCreate(id, name, id, new byte[0], 1, AssetPolicy.CREATOR_ONLY));
                    }));
                }
            }
            go.countDown();
            List<String> failures = new ArrayList<>();
            List<Committed> committed = new ArrayList<>();
            for (Future<Committed> f : writes) {
                try {
                    committed.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause().toString());
                }
            }
            assertThat(failures).as("every write of the shared signer commits").isEmpty();
            assertThat(committed).hasSize(3 * PER_NODE);

            awaitEqualHeads();
            var reader = cluster.node(0).ledgerWriter().reader();
            Set<Long> nonces = new HashSet<>();
            Hash256 carol = cluster.node(0).ledgerWriter().keys().ledgerIdOf("carol");
            for (Committed c : committed) {
                Transaction tx = reader.store().tx(c.txId()).tx();
                assertThat(tx.signer()).isEqualTo(carol);
                assertThat(nonces.add(tx.nonce())).as("nonce %d used once", tx.nonce()).isTrue();
            }
            assertThat(reader.state().nonce(carol)).as("no nonce skipped or spent twice").isEqualTo(nonces.size() + (long) min(nonces) - 1);
            for (int i = 0; i < 3; i++) {
                assertThat(new ChainVerifier(cluster.node(i).ledgerWriter().reader().store(), false).verify().ok())
                        .as("node %d's ledger verifies", i).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static long min(Set<Long> values) {
        return values.stream().mapToLong(Long::longValue).min().orElse(1);
    }

    static void awaitEqualHeads() {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Set<String> heads = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                var r = cluster.node(i).ledgerWriter().reader();
                BlockHeader h = r.store().block(r.height()).header();
                heads.add(h.height() + "/" + h.stateRoot());
            }
            return heads.size() == 1;
        });
    }
}
