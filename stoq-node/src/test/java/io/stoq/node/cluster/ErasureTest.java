package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.crypto.hash.Hash256;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's erasure acceptance on six real nodes in three zones (two each) on one Raft ledger:
 * an upload under {@code erasure:4+2} is stored as 6 pieces per shard on 6 distinct nodes, 2 per
 * zone, each listed by its holder's location proof and held by that node's store (and no node
 * holds a shard whole); the pieces take 1.5x the shards' bytes (plus under k bytes of padding per
 * shard); and with two holders killed (the two holding the most data pieces, so most shards must
 * be rebuilt from parity) the asset still reads byte-exact through the survivors. Before the
 * kills, one data piece's file of a second asset is corrupted on its holder: a read refuses that
 * piece by its hash and rebuilds the shard from others, byte-exact.
 */
@Timeout(900)
class ErasureTest {
    static final String POLICY = "erasure:4+2";
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        SpreadTest.cluster = CrossNodeReadTest.cluster = cluster = MiniCluster.builder(dir).nodes(6).zones(3).raft()
                // six nodes in one JVM on a shared 2-core machine: wider timeouts than the harness's
                .config("peer.handshake-timeout", "5s").config("peer.request-timeout", "20s")
                .config("discovery.suspect-after", "3s").config("discovery.dead-after", "6s").start();
        CrossNodeReadTest.awaitEpochEverywhere(1);
        cluster.awaitConnected(Duration.ofSeconds(120));
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
    void fourPlusTwoSpreadsPiecesOverZonesCostsOneAndAHalfAndReadsWithAnyTwoHoldersDead() throws Exception {
        byte[] content = CrossNodeReadTest.content(8 * 1024 * 1024);
        String id = upload(0, content);
        await().atMost(Duration.ofSeconds(120)).until(() -> piecesProved(1, id));
        JsonNode locations = SpreadTest.locations(1, id);
        assertThat(locations.get("policy").asText()).isEqualTo(POLICY);

        long shardBytes = 0;
        long pieceBytes = 0;
        Map<Integer, Integer> dataPiecesHeld = new HashMap<>();
        for (JsonNode shard : locations.get("shards")) {
            Hash256 shardHash = Hash256.ofHex(shard.get("sha3").asText());
            shardBytes += shard.get("size").asLong();
            assertThat(SpreadTest.nodes(shard)).as("an erasure-coded shard is not stored whole").isEmpty();
            JsonNode pieces = shard.get("pieces");
            assertThat(pieces.size()).isEqualTo(6);
            Set<String> holders = new HashSet<>();
            Map<String, Integer> perZone = new HashMap<>();
            for (JsonNode piece : pieces) {
                List<String> nodes = SpreadTest.nodes(piece);
                assertThat(nodes).as("piece %s", piece).hasSize(1);
                String node = nodes.get(0);
                holders.add(node);
                int n = SpreadTest.index(node);
                perZone.merge(cluster.zone(n), 1, Integer::sum);
                Hash256 h = Hash256.ofHex(piece.get("sha3").asText());
                assertThat(cluster.node(n).shardStore().contains(h)).as("%s holds piece %s as its proof says", node, h.toHex()).isTrue();
                assertThat(cluster.node(n).shardStore().size(h).getAsLong()).isEqualTo(piece.get("size").asLong());
                pieceBytes += piece.get("size").asLong();
                if (piece.get("index").asInt() < 4) {
                    dataPiecesHeld.merge(n, 1, Integer::sum);
                }
            }
            assertThat(holders).as("the 6 pieces of shard %s are on 6 distinct nodes", shardHash.toHex()).hasSize(6);
            assertThat(perZone.values()).as("2 pieces per zone").containsOnly(2);
            for (int n = 0; n < cluster.size(); n++) {
                assertThat(cluster.node(n).shardStore().contains(shardHash)).as("%s holds shard %s whole", cluster.nodeId(n),
                        shardHash.toHex()).isFalse();
            }
        }
        int shards = locations.get("shards").size();
        double ratio = (double) pieceBytes / shardBytes;
        System.out.printf("%s: %d shards, %d shard bytes, %d piece bytes: %.4fx (padding %d bytes; content %d bytes)%n", POLICY, shards,
                shardBytes, pieceBytes, ratio, pieceBytes - shardBytes * 3 / 2, content.length);
        // exactly 6 pieces of ceil(L/4): 1.5 L plus under 4 bytes of padding per data piece row
        assertThat(pieceBytes).isBetween(shardBytes * 3 / 2, shardBytes * 3 / 2 + 6L * shards);

        // a flipped byte in one data piece of another asset (its holder's file): the read gets that
        // piece refused by its hash and rebuilds the shard from others, byte-exact. (Another asset:
        // the refused piece is quarantined; its holder rebuilds it at its next repair pass, which
        // need not have run before the two kills below, and then that shard would be one piece short of k.)
        byte[] small = CrossNodeReadTest.content(256 * 1024);
        String other = upload(0, small);
        await().atMost(Duration.ofSeconds(120)).until(() -> piecesProved(1, other));
        JsonNode piece0 = SpreadTest.locations(1, other).get("shards").get(0).get("pieces").get(0);
        int corruptHolder = SpreadTest.index(SpreadTest.nodes(piece0).get(0));
        flipAByteOf(corruptHolder, piece0.get("sha3").asText());
        int reader = corruptHolder == 5 ? 4 : 5;
        assertThat(SpreadTest.download(reader, other)).as("read through %s with piece 0 of shard 0 corrupt on %s",
                cluster.nodeId(reader), cluster.nodeId(corruptHolder)).isEqualTo(small);

        // kill the two nodes (not the Raft leader) holding the most data pieces: most shards now need parity
        int leader = -1;
        for (int n = 0; n < cluster.size(); n++) {
            if (CrossNodeReadTest.raft(n).raft().isLeader()) {
                leader = n;
            }
        }
        List<Integer> byData = new ArrayList<>();
        for (int n = 0; n < cluster.size(); n++) {
            if (n != leader) {
                byData.add(n);
            }
        }
        byData.sort((a, b) -> Integer.compare(dataPiecesHeld.getOrDefault(b, 0), dataPiecesHeld.getOrDefault(a, 0)));
        List<Integer> victims = byData.subList(0, 2);
        System.out.printf("killing %s (data pieces held: %s), leader %s%n", victims, dataPiecesHeld, cluster.nodeId(leader));
        victims.forEach(cluster::kill);
        // the survivors have noticed (the dead are DEAD, not asked); reads do not depend on it, but
        // on two shared cores a read racing six nodes' re-handshakes measures the machine, not the code
        cluster.awaitConnected(Duration.ofSeconds(120));
        int readers = 0;
        for (int n = 0; n < cluster.size() && readers < 2; n++) {
            if (!victims.contains(n)) {
                assertThat(SpreadTest.download(n, id)).as("read through %s with %s dead", cluster.nodeId(n), victims).isEqualTo(content);
                readers++;
            }
        }
    }

    /** Flips one byte in the middle of the stored file of {@code hex} on node {@code node}. */
    static void flipAByteOf(int node, String hex) throws Exception {
        java.nio.file.Path file;
        try (var files = java.nio.file.Files.walk(cluster.dataDir(node))) {
            file = files.filter(f -> f.getFileName().toString().equals(hex)).findFirst()
                    .orElseThrow(() -> new AssertionError("no file " + hex + " under " + cluster.dataDir(node)));
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5a;
        java.nio.file.Files.write(file, bytes);
    }

    /** Every piece of every shard is listed by a proof. */
    static boolean piecesProved(int node, String id) throws Exception {
        JsonNode l = SpreadTest.locations(node, id);
        if (l == null) {
            return false;
        }
        for (JsonNode shard : l.get("shards")) {
            JsonNode pieces = shard.get("pieces");
            if (pieces == null || pieces.isNull()) {
                return false;
            }
            for (JsonNode p : pieces) {
                if (p.get("nodes").isEmpty()) {
                    return false;
                }
            }
        }
        return true;
    }

    static String upload(int node, byte[] content) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = CrossNodeReadTest.HTTP.send(CrossNodeReadTest.request(node, "/v1/assets")
                .header("Content-Type", "application/octet-stream").header("X-Stoq-Redundancy", POLICY).timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.printf("%s upload of %d bytes through %s: %d ms%n", POLICY, content.length, cluster.nodeId(node),
                (System.nanoTime() - start) / 1_000_000);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return new ObjectMapper().readTree(r.body()).get("id").asText();
    }
}
