package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Hash256;
import io.stoq.node.fault.FaultInjection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes, {@code replicas:3}: every node must hold every shard, so there is no other node to
 * take the place of one that did not answer in time. A node that stalls once per shard (past the
 * sender's request timeout: a real TIMEOUT, as a loaded machine or a GC pause gives) is asked
 * again and the upload succeeds with every shard on three nodes. Before, one timeout dropped that
 * node for the whole upload, which then failed 503 ("durable on 2 of the 3 distinct nodes").
 */
@Timeout(300)
class PushRetryTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        CrossNodeReadTest.cluster = cluster = MiniCluster.builder(dir).nodes(3).zones(3).raft().start();
        CrossNodeReadTest.awaitEpochEverywhere(1);
        cluster.awaitConnected(Duration.ofSeconds(60));
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
    void aNodeThatTimesOutOncePerShardIsAskedAgain() throws Exception {
        SpreadTest.cluster = cluster;
        Object slowStore = cluster.node(2).shardStore();
        Set<Hash256> stalled = ConcurrentHashMap.newKeySet();
        AtomicInteger stalls = new AtomicInteger();
        try (FaultInjection.Installed fault = FaultInjection.install(FaultInjection.SHARD_RECEIVED, context -> {
            FaultInjection.ShardArrival arrival = (FaultInjection.ShardArrival) context;
            if (arrival.store() == slowStore && stalled.add(arrival.shard())) {
                stalls.incrementAndGet();
                Thread.sleep(3_000); // the harness's peer.request-timeout is 2 s
            }
        })) {
            byte[] content = CrossNodeReadTest.content(2 * 1024 * 1024 + 5);
            String id = SpreadTest.upload(0, content);
            assertThat(stalls.get()).as("node 3 stalled on every shard pushed to it").isPositive();
            // The shards' hashes from the writer's own proof; the stores say who holds them (the
            // other holders' proofs are not what this test is about: they are asked once, after).
            JsonNode locations = SpreadTest.awaitProved(0, id, 1);
            assertThat(locations.get("shards").size()).isGreaterThan(1);
            for (JsonNode shard : locations.get("shards")) {
                Hash256 hash = Hash256.ofHex(shard.get("sha3").asText());
                for (int n = 0; n < cluster.size(); n++) {
                    assertThat(cluster.node(n).shardStore().contains(hash)).as("%s holds shard %s", cluster.nodeId(n),
                            shard.get("index")).isTrue();
                }
            }
            assertThat(SpreadTest.download(2, id)).isEqualTo(content);
        }
    }
}
