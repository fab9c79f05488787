package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.net.PeerConnection;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster harness on real nodes: three nodes of one dev CA start and each lists the other two
 * alive (connected, with an RTT) in {@code GET /v1/nodes}; a shard stored on A is fetched from B
 * over STOQ, byte-exact; a killed B is seen dead and, restarted on its data, is seen alive again
 * and sees the others; a partitioned C is seen dead by A and B (and sees them dead) while its API
 * still answers, and comes back when healed; an added fourth node joins and is listed everywhere.
 */
@Timeout(180)
class MiniClusterTest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** {@code GET /v1/nodes} of a node as node id to its entry. */
    private static Map<String, JsonNode> listed(MiniCluster c, int index) throws Exception {
        HttpResponse<String> r = c.get(index, "/v1/nodes");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return StreamSupport.stream(JSON.readTree(r.body()).spliterator(), false)
                .collect(Collectors.toMap(n -> n.get("id").asText(), n -> n));
    }

    private static String liveness(MiniCluster c, int at, int of) throws Exception {
        JsonNode e = listed(c, at).get(c.nodeId(of));
        return e == null ? "ABSENT" : e.get("liveness").asText();
    }

    /** Every running node lists every other one alive, with a measured RTT. */
    private static void awaitAllConnected(MiniCluster c) {
        Set<String> ids = IntStream.range(0, c.size()).mapToObj(c::nodeId).collect(Collectors.toSet());
        for (int i = 0; i < c.size(); i++) {
            int at = i;
            await().atMost(WAIT).untilAsserted(() -> {
                Map<String, JsonNode> seen = listed(c, at);
                assertThat(seen.keySet()).isEqualTo(ids);
                assertThat(seen.get(c.nodeId(at)).get("liveness").asText()).isEqualTo("SELF");
                for (String other : ids) {
                    if (!other.equals(c.nodeId(at))) {
                        JsonNode e = seen.get(other);
                        assertThat(e.get("liveness").asText()).as(other + " at " + c.nodeId(at)).isEqualTo("ALIVE");
                        assertThat(e.get("rttMicros").isIntegralNumber()).isTrue();
                    }
                }
            });
        }
    }

    @Test
    void nodesConnectShareShardsAndSurviveKillRestartPartitionAndGrowth() throws Exception {
        try (MiniCluster c = MiniCluster.builder(dir).nodes(3).start()) {
            c.awaitConnected(WAIT);
            awaitAllConnected(c);
            assertThat(listed(c, 1).get(c.nodeId(0)).get("zone").asText()).isEqualTo(c.zone(0));

            // A shard stored on A is fetched from B over STOQ, byte-exact.
            byte[] shard = new byte[1024 * 1024 + 5];
            new Random(3).nextBytes(shard);
            Hash256 id = Sha3.hash(shard);
            c.node(0).shardStore().put(id, shard);
            PeerConnection toA = c.node(1).peers().connect(c.peerAddress(0));
            assertThat(c.node(1).peers().fetch(toA, id)).isEqualTo(shard);

            // Kill B: A and C see it dead. Restarted on its data and address, it is alive again and sees both.
            c.kill(1);
            for (int at : List.of(0, 2)) {
                await().atMost(WAIT).until(() -> liveness(c, at, 1).equals("DEAD"));
            }
            c.restart(1);
            awaitAllConnected(c);
            PeerConnection toAAgain = c.node(1).peers().connect(c.peerAddress(0));
            assertThat(c.node(1).peers().fetch(toAAgain, id)).isEqualTo(shard);

            // Partition C: A and B see it dead, and it sees them dead; its API still answers. Healed, all reconnect.
            c.partition(2);
            for (int at : List.of(0, 1)) {
                await().atMost(WAIT).until(() -> liveness(c, at, 2).equals("DEAD"));
            }
            await().atMost(WAIT).until(() -> liveness(c, 2, 0).equals("DEAD") && liveness(c, 2, 1).equals("DEAD"));
            // (B stays reachable for A throughout; a heartbeat delayed by a loaded machine may show it suspect for a moment)
            await().atMost(WAIT).until(() -> liveness(c, 0, 1).equals("ALIVE"));
            assertThat(c.connected()).isFalse();
            c.heal(2);
            c.awaitConnected(WAIT);
            awaitAllConnected(c);

            // A fourth node, seeded with the three, joins; everyone lists everyone.
            int d = c.addNode();
            assertThat(d).isEqualTo(3);
            awaitAllConnected(c);
            assertThat(new HashSet<>(listed(c, 0).keySet())).hasSize(4);
        }
    }
}
