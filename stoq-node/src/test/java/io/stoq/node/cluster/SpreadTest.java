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
 * Issue 13's placement acceptance on five real nodes in three zones on one Raft ledger
 * ({@code node-1}, {@code node-4} in zone-1; {@code node-2}, {@code node-5} in zone-2;
 * {@code node-3} in zone-3), under the network default {@code replicas:3}: where the shards of an
 * upload go (per {@code GET /v1/assets/{id}/locations} and per the nodes' own stores), and that
 * one node's death stops neither reads nor writes. (Read spread is {@link ReadSpreadTest}'s: here
 * node-3, alone in zone-3, holds a copy of every shard, so it cannot serve only a fifth.)
 */
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpreadTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        CrossNodeReadTest.cluster = cluster = MiniCluster.builder(dir).nodes(5).zones(3).raft()
                // five nodes in one JVM on a shared 2-core machine: the harness's 1-2 s timeouts are
                // shorter than the pauses a 64 MiB upload causes here
                .config("peer.handshake-timeout", "5s").config("peer.request-timeout", "20s")
                .config("discovery.suspect-after", "3s").config("discovery.dead-after", "6s").start();
        CrossNodeReadTest.awaitEpochEverywhere(1);
        cluster.awaitConnected(Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        CrossNodeReadTest.cluster = null;
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void everyShardOfA64MibUploadIsOnThreeNodesInThreeZones() throws Exception {
        byte[] content = CrossNodeReadTest.content(64 * 1024 * 1024);
        String id = upload(0, content);
        // asked through a node that did not write it: its ledger has every proof once applied
        JsonNode locations = awaitProved(2, id, 3);
        assertThat(locations.get("policy").asText()).isEqualTo("replicas:3");
        JsonNode shards = locations.get("shards");
        assertThat(shards.size()).as("a 64 MiB upload is cut into many shards").isGreaterThan(16);
        int i = 0;
        for (JsonNode shard : shards) {
            assertThat(shard.get("index").asInt()).isEqualTo(i++);
            List<String> nodes = nodes(shard);
            assertThat(nodes).as("shard %s", shard).hasSize(3).doesNotHaveDuplicates();
            Set<String> zones = new HashSet<>();
            Hash256 hash = Hash256.ofHex(shard.get("sha3").asText());
            for (String node : nodes) {
                int index = index(node);
                zones.add(cluster.zone(index));
                assertThat(cluster.node(index).shardStore().contains(hash)).as("%s holds shard %s as its proof says", node,
                        hash.toHex()).isTrue();
            }
            assertThat(zones).as("the copies of shard %s are in three zones", hash.toHex()).hasSize(3);
            for (int n = 0; n < cluster.size(); n++) {
                if (!nodes.contains(cluster.nodeId(n))) {
                    assertThat(cluster.node(n).shardStore().contains(hash)).as("%s holds no unproved copy", cluster.nodeId(n)).isFalse();
                }
            }
        }
        assertThat(download(4, id)).as("read back through node-5").isEqualTo(content);
    }

    @Test
    @Order(3)
    void withOneNodeKilledReadsAndWritesGoOn() throws Exception {
        byte[] before = CrossNodeReadTest.content(3 * 1024 * 1024);
        String old = CrossNodeReadTest.upload(0, before);
        awaitProved(0, old, 3);
        int leader = -1;
        for (int n = 0; n < cluster.size(); n++) {
            if (CrossNodeReadTest.raft(n).raft().isLeader()) {
                leader = n;
            }
        }
        int victim = leader == 3 ? 4 : 3; // not the leader: that is Raft's test; here a holder goes
        cluster.kill(victim);
        for (int n = 0; n < cluster.size(); n++) {
            if (n != victim) {
                assertThat(download(n, old)).as("old asset through %s", cluster.nodeId(n)).isEqualTo(before);
            }
        }
        // the dead node may still look alive for a heartbeat or two: its copies are placed elsewhere
        byte[] after = CrossNodeReadTest.content(2 * 1024 * 1024);
        String fresh = CrossNodeReadTest.upload(1, after);
        JsonNode locations = awaitProved(0, fresh, 3);
        for (JsonNode shard : locations.get("shards")) {
            assertThat(nodes(shard)).hasSize(3).doesNotContain(cluster.nodeId(victim));
        }
        assertThat(download(2, fresh)).isEqualTo(after);
    }

    /**
     * Uploads through node {@code node}, given minutes rather than the usual minute: five nodes
     * in one JVM on two shared cores write three copies of every shard (timing printed, not asserted).
     */
    static String upload(int node, byte[] content) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = CrossNodeReadTest.HTTP.send(CrossNodeReadTest.request(node, "/v1/assets")
                .header("Content-Type", "application/octet-stream").timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.printf("upload of %d bytes through %s: %d ms%n", content.length, cluster.nodeId(node),
                (System.nanoTime() - start) / 1_000_000);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return new ObjectMapper().readTree(r.body()).get("id").asText();
    }

    static byte[] download(int node, String id) throws Exception {
        HttpResponse<byte[]> r = CrossNodeReadTest.HTTP.send(CrossNodeReadTest.request(node, "/v1/assets/" + id + "/content")
                .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("download of %s through node %d", id, node).isEqualTo(200);
        return r.body();
    }

    static long[] served() {
        long[] out = new long[cluster.size()];
        for (int n = 0; n < out.length; n++) {
            out[n] = cluster.node(n).peers().readsServed();
        }
        return out;
    }

    static List<String> nodes(JsonNode shard) {
        List<String> out = new ArrayList<>();
        shard.get("nodes").forEach(n -> out.add(n.asText()));
        return out;
    }

    static int index(String nodeId) {
        for (int n = 0; n < cluster.size(); n++) {
            if (cluster.nodeId(n).equals(nodeId)) {
                return n;
            }
        }
        throw new AssertionError("no node " + nodeId);
    }

    /** Waits until node {@code node}'s {@code /locations} lists {@code copies} nodes for every shard; returns it. */
    static JsonNode awaitProved(int node, String id, int copies) throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> provedOn(node, id, copies));
        return locations(node, id);
    }

    static boolean provedOn(int node, String id, int copies) throws Exception {
        JsonNode l = locations(node, id);
        if (l == null) {
            return false;
        }
        for (JsonNode shard : l.get("shards")) {
            if (shard.get("nodes").size() < copies) {
                return false;
            }
        }
        return true;
    }

    static JsonNode locations(int node, String id) throws Exception {
        HttpRequest r = CrossNodeReadTest.request(node, "/v1/assets/" + id + "/locations").build();
        HttpResponse<String> got = CrossNodeReadTest.HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        return got.statusCode() == 200 ? new ObjectMapper().readTree(got.body()) : null;
    }
}
