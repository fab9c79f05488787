package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.net.discovery.PeerStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads spread over the holders: five real nodes (each in a zone of its own, so every node holds
 * about three fifths of the shards under {@code replicas:3}) read one asset of ~256 shards
 * through every node in turn; the shard reads each node's store served (to its own reader or to
 * a peer, {@code stoq_shard_reads_served_total}) end within 30% of their mean. A node holding a
 * shard reads it itself; one that does not asks the least-loaded holder (fewest reads it has under
 * way there, then near before far, then at random), so no holder is everyone's first choice:
 * each node also serves within 15% of its fair share of the shards placement gave it (5/3 of
 * them a round), which the spread over the mean alone cannot show.
 *
 * <p>Also prints, for the closing note, the upload time of the same size under
 * {@code replicas:1} and {@code replicas:3} in the same cluster.
 */
@Timeout(900)
class ReadSpreadTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        CrossNodeReadTest.cluster = SpreadTest.cluster = cluster = MiniCluster.builder(dir).nodes(5).raft()
                .config("peer.handshake-timeout", "5s").config("peer.request-timeout", "20s")
                .config("discovery.suspect-after", "3s").config("discovery.dead-after", "6s")
                // 16 MiB in chunks of ~64 KiB: ~256 shards, enough reads that a fair spread stays well inside
                // 30% (the default cut, ~256 KiB here, gave ~64 shards and a spread that strayed past it by chance)
                .config("shard.max-average-chunk", "64KiB").start();
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
    void readsSpreadOverTheHoldersWithinThirtyPercentOfEachOther() throws Exception {
        byte[] content = CrossNodeReadTest.content(16 * 1024 * 1024); // ~256 shards of ~64 KiB
        String id = SpreadTest.upload(1, content);
        for (int n = 0; n < cluster.size(); n++) {
            SpreadTest.awaitProved(n, id, 3);
        }
        // Each shard has 3 holders: a holder reads it itself when read through it, and takes a
        // third of the two other readers' reads on a fair split. So a node's fair share per
        // round is 5/3 of the shards it holds: printed to tell placement's spread from the picker's.
        long[] held = new long[cluster.size()];
        for (var shard : SpreadTest.locations(0, id).get("shards")) {
            for (String holder : SpreadTest.nodes(shard)) {
                held[SpreadTest.index(holder)]++;
            }
        }
        long[] before = SpreadTest.served();
        for (int round = 0; round < 2; round++) {
            for (int n = 0; n < cluster.size(); n++) {
                assertThat(SpreadTest.download(n, id)).isEqualTo(content);
            }
        }
        long[] after = SpreadTest.served();
        long[] delta = new long[after.length];
        long total = 0;
        for (int n = 0; n < after.length; n++) {
            delta[n] = after[n] - before[n];
            total += delta[n];
        }
        double mean = (double) total / delta.length;
        System.out.printf("shard reads served per node: %s (mean %.1f)%n", Arrays.toString(delta), mean);
        System.out.printf("  shards held per node: %s; a fair split of 2 rounds would serve %s%n", Arrays.toString(held),
                Arrays.toString(Arrays.stream(held).map(h -> Math.round(2 * h * 5 / 3.0)).toArray()));
        for (int n = 0; n < cluster.size(); n++) { // what each reader saw of the others, to tell a skew's cause
            StringBuilder view = new StringBuilder();
            for (PeerStatus p : cluster.node(n).peers().peers()) {
                view.append(String.format(" %s %s %s;", p.nodeId(), p.liveness(),
                        p.rtt() == null ? "rtt ?" : String.format("rtt %.1f ms", p.rtt().toNanos() / 1e6)));
            }
            System.out.printf("  %s sees%s%n", cluster.nodeId(n), view);
        }
        for (int n = 0; n < delta.length; n++) {
            assertThat((double) delta[n]).as("reads served by %s of %s (mean %.1f)", cluster.nodeId(n), Arrays.toString(delta), mean)
                    .isBetween(mean * 0.7, mean * 1.3);
            // The picker itself: what placement gave each node aside, the reads follow it closely
            // (a fair split's standard deviation is ~11 reads here; 15% is about six of them).
            double fair = 2 * held[n] * 5 / 3.0;
            assertThat((double) delta[n]).as("reads served by %s against its fair share %.0f (held %s, served %s)", cluster.nodeId(n),
                    fair, Arrays.toString(held), Arrays.toString(delta)).isBetween(fair * 0.85, fair * 1.15);
        }
    }

    @Test
    void replicatedUploadTimeAgainstOneCopyInTheSameRun() throws Exception {
        int size = 16 * 1024 * 1024;
        long one = timed(size, "replicas:1");
        long three = timed(size, "replicas:3");
        System.out.printf("upload of %d MiB: replicas:1 %d ms (%.2f MB/s), replicas:3 %d ms (%.2f MB/s), ratio %.2f%n",
                size >> 20, one, size / 1e3 / one, three, size / 1e3 / three, (double) one / three);
    }

    private static long timed(int size, String policy) throws Exception {
        byte[] content = CrossNodeReadTest.content(size);
        long start = System.nanoTime();
        var r = CrossNodeReadTest.HTTP.send(CrossNodeReadTest.request(0, "/v1/assets").header("Content-Type", "application/octet-stream")
                .header("X-Stoq-Redundancy", policy).timeout(Duration.ofMinutes(10))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(content)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return ms;
    }
}
