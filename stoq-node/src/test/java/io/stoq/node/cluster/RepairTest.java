package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
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
 * Issue 13's repair and audit acceptance on five real nodes in three zones on one Raft ledger,
 * {@code replicas:3}, with {@code repair.grace} of 5 s and passes and audit rounds every second:
 * a shard file corrupted on disk is found by an audit, quarantined and repaired while every read
 * stays byte-exact; then one node is killed and every shard is back on three live nodes with
 * location proofs naming them; then a second node, the same. Each death-to-full-policy time and
 * the repair bytes are printed (a measurement, not asserted).
 */
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RepairTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;
    static String asset;
    static byte[] content;
    static final Set<Integer> dead = new HashSet<>();

    @BeforeAll
    static void start() throws Exception {
        CrossNodeReadTest.cluster = SpreadTest.cluster = cluster = MiniCluster.builder(dir).nodes(5).zones(3).raft()
                .config("peer.handshake-timeout", "5s").config("peer.request-timeout", "20s")
                .config("discovery.suspect-after", "3s").config("discovery.dead-after", "6s")
                .config("repair.grace", "5s").config("repair.interval", "1s")
                .config("repair.audit-interval", "1s").config("repair.audits-per-peer", "64").start();
        CrossNodeReadTest.awaitEpochEverywhere(1);
        cluster.awaitConnected(Duration.ofSeconds(120));
        content = CrossNodeReadTest.content(6 * 1024 * 1024);
        asset = SpreadTest.upload(0, content);
        // a holder may fail to prove under load (busy); repair proves such copies once the version has
        // settled (ledger.commit-timeout), so this waits longer than SpreadTest's minute
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> SpreadTest.provedOn(0, asset, 3));
    }

    @AfterAll
    static void stop() {
        CrossNodeReadTest.cluster = null;
        SpreadTest.cluster = null;
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aCorruptShardFileIsFoundByAnAuditQuarantinedAndRepaired() throws Exception {
        // a shard its first holder keeps as a file of its own (a small one may sit in the store's small-shard log)
        JsonNode shard = null;
        for (JsonNode s : SpreadTest.locations(0, asset).get("shards")) {
            if (shard == null && Files.exists(shardFile(SpreadTest.index(SpreadTest.nodes(s).get(0)), Hash256.ofHex(s.get("sha3").asText())))) {
                shard = s;
            }
        }
        assertThat(shard).as("a shard stored as a file").isNotNull();
        Hash256 hash = Hash256.ofHex(shard.get("sha3").asText());
        int victim = SpreadTest.index(SpreadTest.nodes(shard).get(0));
        Path file = shardFile(victim, hash);
        assertThat(file).as("shard %s is a file on %s", hash.toHex(), cluster.nodeId(victim)).exists();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(file, bytes);
        long failuresBefore = auditFailures();

        await().atMost(Duration.ofSeconds(120)).until(() -> cluster.node(victim).shardStore().quarantinedCount() >= 1);
        // back on three reachable nodes, each copy hashing to its name (the victim's own fetched back, or another node's)
        await().atMost(Duration.ofSeconds(120)).until(() -> goodCopies(hash) >= 3);
        for (int n = 0; n < cluster.size(); n++) {
            assertThat(SpreadTest.download(n, asset)).as("read through %s", cluster.nodeId(n)).isEqualTo(content);
        }
        System.out.printf("corrupt copy: audit failures %d -> %d, quarantined on %s: %d%n", failuresBefore, auditFailures(),
                cluster.nodeId(victim), cluster.node(victim).shardStore().quarantinedCount());
    }

    @Test
    @Order(2)
    void aKilledNodesShardsAreBackOnThreeLiveNodesWithNewProofs() throws Exception {
        killAndAwaitFullPolicy();
    }

    @Test
    @Order(3)
    void aSecondKilledNodesShardsAreBackOnThreeLiveNodesToo() throws Exception {
        killAndAwaitFullPolicy();
    }

    /** Kills a holder that is not the Raft leader and waits until every shard has three proved, held copies on live nodes. */
    private static void killAndAwaitFullPolicy() throws Exception {
        int victim = -1;
        for (int n = cluster.size() - 1; n >= 0 && victim < 0; n--) {
            if (!dead.contains(n) && !CrossNodeReadTest.raft(n).raft().isLeader()) {
                victim = n;
            }
        }
        int reader = firstLive(victim);
        long bytesBefore = repairBytes(victim); // the survivors' bytes only: the victim's counter dies with it
        long start = System.nanoTime();
        cluster.kill(victim);
        dead.add(victim);
        String gone = cluster.nodeId(victim);
        await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500)).until(() -> fullPolicy(reader));
        double seconds = (System.nanoTime() - start) / 1e9;
        long moved = repairBytes(-1) - bytesBefore;
        System.out.printf("%s killed: full policy again after %.1f s; repair moved %d bytes (%.2f MB/s over that time, "
                + "including repair.grace of 5 s and the dead-after of 6 s)%n", gone, seconds, moved, moved / 1e6 / seconds);
        JsonNode l = SpreadTest.locations(reader, asset);
        for (JsonNode shard : l.get("shards")) {
            List<String> live = SpreadTest.nodes(shard).stream().filter(n -> !isDead(n)).toList();
            assertThat(live).as("shard %s", shard.get("sha3").asText()).hasSizeGreaterThanOrEqualTo(3);
        }
        for (int n = 0; n < cluster.size(); n++) {
            if (!dead.contains(n)) {
                assertThat(SpreadTest.download(n, asset)).as("read through %s", cluster.nodeId(n)).isEqualTo(content);
            }
        }
    }

    /** Every shard listed by the reader's /locations on at least three live nodes whose stores hold it. */
    private static boolean fullPolicy(int reader) throws Exception {
        JsonNode l = SpreadTest.locations(reader, asset);
        if (l == null) {
            return false;
        }
        for (JsonNode shard : l.get("shards")) {
            Hash256 hash = Hash256.ofHex(shard.get("sha3").asText());
            int held = 0;
            for (String node : SpreadTest.nodes(shard)) {
                int i = SpreadTest.index(node);
                if (!dead.contains(i) && cluster.node(i).shardStore().contains(hash)) {
                    held++;
                }
            }
            if (held < 3) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDead(String nodeId) {
        return dead.contains(SpreadTest.index(nodeId));
    }

    private static int firstLive(int except) {
        for (int n = 0; n < cluster.size(); n++) {
            if (n != except && !dead.contains(n)) {
                return n;
            }
        }
        throw new AssertionError("no live node");
    }

    /** Copies of {@code hash} on live nodes whose bytes hash to it. */
    private static int goodCopies(Hash256 hash) throws Exception {
        int good = 0;
        for (int n = 0; n < cluster.size(); n++) {
            if (dead.contains(n)) {
                continue;
            }
            Path f = shardFile(n, hash);
            if (Files.exists(f) && Sha3.hash(Files.readAllBytes(f)).equals(hash)) {
                good++;
            }
        }
        return good;
    }

    private static Path shardFile(int node, Hash256 hash) {
        String hex = hash.toHex();
        return cluster.dataDir(node).resolve("shards").resolve(hex.substring(0, 2)).resolve(hex.substring(2, 4)).resolve(hex);
    }

    private static long auditFailures() {
        long sum = 0;
        for (int n = 0; n < cluster.size(); n++) {
            if (!dead.contains(n)) {
                sum += cluster.node(n).repair().metrics().auditFailures();
            }
        }
        return sum;
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
