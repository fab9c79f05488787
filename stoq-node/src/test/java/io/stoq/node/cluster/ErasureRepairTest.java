package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repair of an {@code erasure:4+2} version on seven real nodes in three zones (one more node than
 * pieces, so there is a node to rebuild onto), {@code repair.grace} 5 s, passes and audit rounds
 * every second: a piece file corrupted on its holder is found by a piece audit, quarantined and
 * rebuilt from four others; then a piece holder is killed and, within grace plus repair time,
 * every shard again has its 6 pieces held by 6 distinct live nodes that the location proofs
 * name, and the content reads back byte-exact. The death-to-full-policy time and the repair bytes
 * are printed (a measurement, not asserted).
 */
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ErasureRepairTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;
    static String asset;
    static byte[] content;
    static final Set<Integer> dead = new HashSet<>();

    @BeforeAll
    static void start() throws Exception {
        CrossNodeReadTest.cluster = SpreadTest.cluster = ErasureTest.cluster = cluster = MiniCluster.builder(dir).nodes(7).zones(3)
                .raft().config("peer.handshake-timeout", "5s").config("peer.request-timeout", "20s")
                .config("discovery.suspect-after", "3s").config("discovery.dead-after", "6s")
                .config("repair.grace", "5s").config("repair.interval", "1s")
                .config("repair.audit-interval", "1s").config("repair.audits-per-peer", "16").start();
        CrossNodeReadTest.awaitEpochEverywhere(1);
        cluster.awaitConnected(Duration.ofSeconds(120));
        content = CrossNodeReadTest.content(3 * 1024 * 1024);
        asset = ErasureTest.upload(0, content);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> ErasureTest.piecesProved(0, asset));
    }

    @AfterAll
    static void stop() {
        CrossNodeReadTest.cluster = null;
        SpreadTest.cluster = null;
        ErasureTest.cluster = null;
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aCorruptPieceIsFoundByAnAuditQuarantinedAndRebuilt() throws Exception {
        // a piece kept as a file of its own (small ones go to the store's small-shard log, which ErasureTest's flip cannot reach)
        JsonNode piece = null;
        for (JsonNode shard : SpreadTest.locations(0, asset).get("shards")) {
            for (JsonNode p : shard.get("pieces")) {
                if (piece == null && Files.exists(file(SpreadTest.index(SpreadTest.nodes(p).get(0)), Hash256.ofHex(p.get("sha3").asText())))) {
                    piece = p;
                }
            }
        }
        assertThat(piece).as("a piece stored as a file").isNotNull();
        Hash256 hash = Hash256.ofHex(piece.get("sha3").asText());
        int holder = SpreadTest.index(SpreadTest.nodes(piece).get(0));
        long quarantinedBefore = cluster.node(holder).shardStore().quarantinedCount();
        ErasureTest.flipAByteOf(holder, hash.toHex());
        assertThat(goodCopies(hash)).as("no good copy of piece %s right after the flip", hash.toHex()).isZero();

        // nobody reads the asset meanwhile: only an audit can find the flipped byte
        await().atMost(Duration.ofSeconds(120)).until(() -> cluster.node(holder).shardStore().quarantinedCount() > quarantinedBefore);
        await().atMost(Duration.ofSeconds(120)).until(() -> goodCopies(hash) >= 1);
        awaitFullPolicy(Duration.ofSeconds(120));
        for (int n = 0; n < cluster.size(); n++) {
            assertThat(SpreadTest.download(n, asset)).as("read through %s", cluster.nodeId(n)).isEqualTo(content);
        }
        System.out.printf("corrupt piece %s on %s: quarantined, rebuilt; good copies now %d%n", hash.toHex(), cluster.nodeId(holder),
                goodCopies(hash));
    }

    @Test
    @Order(2)
    void aKilledPieceHoldersPiecesAreRebuiltOnTheSparedNode() throws Exception {
        int victim = -1;
        for (int n = cluster.size() - 1; n >= 0 && victim < 0; n--) {
            if (!CrossNodeReadTest.raft(n).raft().isLeader() && holdsAPiece(n)) {
                victim = n;
            }
        }
        assertThat(victim).as("a piece holder that is not the Raft leader").isNotNegative();
        long bytesBefore = repairBytes(victim);
        long start = System.nanoTime();
        cluster.kill(victim);
        dead.add(victim);
        awaitFullPolicy(Duration.ofSeconds(300));
        double seconds = (System.nanoTime() - start) / 1e9;
        long moved = repairBytes(-1) - bytesBefore;
        System.out.printf("%s killed: every shard has 6 pieces on 6 distinct live nodes again after %.1f s; repair and audits moved "
                + "%d bytes (%.2f MB/s over that time, including repair.grace of 5 s and the dead-after of 6 s)%n", cluster.nodeId(victim),
                seconds, moved, moved / 1e6 / seconds);
        for (int n = 0; n < cluster.size(); n++) {
            if (!dead.contains(n)) {
                assertThat(SpreadTest.download(n, asset)).as("read through %s", cluster.nodeId(n)).isEqualTo(content);
            }
        }
    }

    private static boolean holdsAPiece(int node) throws Exception {
        for (JsonNode shard : SpreadTest.locations(0, asset).get("shards")) {
            for (JsonNode piece : shard.get("pieces")) {
                if (SpreadTest.nodes(piece).contains(cluster.nodeId(node))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Every shard's 6 pieces each listed by /locations (asked through a live node) on a live node
     * whose store holds bytes hashing to it, the 6 pieces on 6 distinct nodes.
     */
    /** Why {@link #fullPolicy} last answered false (for the failure message). */
    static volatile String shortfall = "";

    private static void awaitFullPolicy(Duration atMost) {
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(ErasureRepairTest::fullPolicy);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not back to full policy within " + atMost + ": " + shortfall, e);
        }
    }

    private static boolean fullPolicy() throws Exception {
        int reader = 0;
        while (dead.contains(reader)) {
            reader++;
        }
        JsonNode l = SpreadTest.locations(reader, asset);
        if (l == null) {
            return false;
        }
        Map<String, Integer> zones = new HashMap<>();
        for (JsonNode shard : l.get("shards")) {
            Set<String> holders = new HashSet<>();
            for (JsonNode piece : shard.get("pieces")) {
                Hash256 hash = Hash256.ofHex(piece.get("sha3").asText());
                String holder = null;
                for (String node : SpreadTest.nodes(piece)) {
                    int i = SpreadTest.index(node);
                    if (!dead.contains(i) && isGood(i, hash) && !holders.contains(node)) {
                        holder = node;
                        break;
                    }
                }
                if (holder == null) {
                    shortfall = "piece " + piece.get("index") + " (" + hash.toHex() + ") of shard " + shard.get("index") + " listed on "
                            + SpreadTest.nodes(piece) + ", held good by live " + holdersOf(hash) + ", shard's pieces so far on " + holders;
                    return false;
                }
                holders.add(holder);
                zones.merge(cluster.zone(SpreadTest.index(holder)), 1, Integer::sum);
            }
            if (holders.size() != 6) {
                shortfall = "shard " + shard.get("index") + " on " + holders;
                return false;
            }
        }
        System.out.printf("full policy: pieces per zone %s%n", zones);
        return true;
    }

    private static List<String> holdersOf(Hash256 hash) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        for (int n = 0; n < cluster.size(); n++) {
            if (!dead.contains(n) && isGood(n, hash)) {
                out.add(cluster.nodeId(n));
            }
        }
        return out;
    }

    /** Copies of {@code hash} on live nodes whose bytes hash to it. */
    private static int goodCopies(Hash256 hash) throws Exception {
        int good = 0;
        for (int n = 0; n < cluster.size(); n++) {
            if (!dead.contains(n) && isGood(n, hash)) {
                good++;
            }
        }
        return good;
    }

    /**
     * True when {@code node} holds {@code hash} with bytes hashing to it: its file checked here
     * (without the store, so the test finds no corruption itself), or, for a piece small enough
     * for the store's small-shard log, the store's own verifying read.
     */
    private static boolean isGood(int node, Hash256 hash) throws Exception {
        Path f = file(node, hash);
        if (Files.exists(f)) {
            return Sha3.hash(Files.readAllBytes(f)).equals(hash);
        }
        if (!cluster.node(node).shardStore().contains(hash)) {
            return false;
        }
        try {
            return Sha3.hash(cluster.node(node).shardStore().get(hash)).equals(hash);
        } catch (io.stoq.node.NodeException e) {
            return false;
        }
    }

    private static Path file(int node, Hash256 hash) {
        String hex = hash.toHex();
        return cluster.dataDir(node).resolve("shards").resolve(hex.substring(0, 2)).resolve(hex.substring(2, 4)).resolve(hex);
    }

    /** Repair and audit bytes the live nodes other than {@code except} moved since they started. */
    private static long repairBytes(int except) {
        long sum = 0;
        for (int n = 0; n < cluster.size(); n++) {
            if (!dead.contains(n) && n != except) {
                sum += cluster.node(n).repair().metrics().repairBytes();
            }
        }
        return sum;
    }
}
