package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's first acceptance line on five Raft voters: an asset uploaded through node 1 is read
 * byte-exact through each of the other four (what a reader does not hold itself, placed on three of
 * the five nodes, fetched over STOQ and not kept; the asset key through the key epoch sealed to every founder).
 */
@Timeout(300)
class CrossNodeReadFiveNodesTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        CrossNodeReadTest.cluster = cluster = MiniCluster.builder(dir).nodes(5).raft().start();
        CrossNodeReadTest.awaitEpochEverywhere(1);
        cluster.awaitConnected(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        CrossNodeReadTest.cluster = null;
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anAssetUploadedThroughOneNodeIsReadByteExactThroughEachOfTheOtherFour() throws Exception {
        byte[] content = CrossNodeReadTest.content(2 * 1024 * 1024 + 5);
        String id = CrossNodeReadTest.upload(0, content);
        for (int i = 1; i < 5; i++) {
            int reader = i;
            await().atMost(Duration.ofSeconds(30)).until(() -> CrossNodeReadTest.status(reader, id) == 200);
            int held = CrossNodeReadTest.shardFiles(reader);
            assertThat(CrossNodeReadTest.download(reader, id)).as("through node %d", reader).isEqualTo(content);
            // under replicas:3 a reader may hold some of the shards; the others it fetched and did not keep
            assertThat(CrossNodeReadTest.shardFiles(reader)).as("node %d kept nothing it read", reader).isEqualTo(held);
        }
    }
}
