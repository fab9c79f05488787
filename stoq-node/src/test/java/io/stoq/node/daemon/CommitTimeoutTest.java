package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.node.fault.FaultInjection;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Uploads on a real node whose ledger writer is stalled by the {@code ledger.before-commit}
 * fault point (a hung disk), with {@code ledger.commit-timeout} at 2 s. A version whose commit
 * times out either never commits and its shards are removed, or commits later with its shards
 * intact: never a committed version pointing at deleted shards, which is what the old
 * discard-on-any-failure did when the queued tx committed after its timeout.
 */
@Timeout(180)
class CommitTimeoutTest {
    static TestNode t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestNode(Map.of("ledger.commit-timeout", "2s"));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    private static HttpResponse<byte[]> upload(byte[] data) throws Exception {
        return t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static int assetCount() throws Exception {
        return TestNode.json(t.send(t.request("/v1/assets?limit=500", "alice").build())).get("items").size();
    }

    /** Stalls the first batch the writer takes until {@code release}; {@code stalled} opens when it does. */
    private static FaultInjection.Installed stallFirstBatch(CountDownLatch stalled, CountDownLatch release) {
        AtomicBoolean first = new AtomicBoolean(true);
        return FaultInjection.install(FaultInjection.LEDGER_BEFORE_COMMIT, ctx -> {
            if (first.getAndSet(false)) {
                stalled.countDown();
                release.await();
            }
        });
    }

    @Test
    void anUploadWhoseBlockIsBeingWrittenAtTheTimeoutCommitsWithItsShards() throws Exception {
        byte[] data = random(300_000, 7);
        int before = assetCount();
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (FaultInjection.Installed fault = stallFirstBatch(stalled, release)) {
            HttpResponse<byte[]> r = upload(data);
            assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(503);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("may still be recorded");
            release.countDown();
        }
        // The block commits after all: the version must find every one of its shards.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> assetCount() == before + 1);
        JsonNode items = TestNode.json(t.send(t.request("/v1/assets?limit=500", "alice").build())).get("items");
        String id = null;
        for (JsonNode m : items) {
            if (m.get("size").asLong() == data.length) {
                id = m.get("id").asText();
            }
        }
        assertThat(id).isNotNull();
        HttpResponse<byte[]> content = t.send(t.request("/v1/assets/" + id + "/content", "alice").build());
        assertThat(content.statusCode()).as(new String(content.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(content.body()).isEqualTo(data);
    }

    @Test
    void anUploadStillQueuedAtTheTimeoutIsWithdrawnAndItsShardsRemoved() throws Exception {
        int before = assetCount();
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (FaultInjection.Installed fault = stallFirstBatch(stalled, release)) {
            // A first upload's block hangs; the second waits in the queue behind it.
            CompletableFuture<HttpResponse<byte[]>> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return upload(random(1000, 1));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(stalled.await(60, TimeUnit.SECONDS)).isTrue();
            long filesBefore = t.storedFiles();
            HttpResponse<byte[]> second = upload(random(200_000, 2));
            assertThat(second.statusCode()).isEqualTo(503);
            assertThat(new String(second.body(), StandardCharsets.UTF_8)).contains("nothing was recorded");
            assertThat(t.storedFiles()).as("the withdrawn version's shards are gone").isEqualTo(filesBefore);
            release.countDown();
            // The first upload's fate was open at its own timeout: it commits with its shards.
            assertThat(first.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> assetCount() == before + 1);
        upload(random(10, 3)); // the writer has moved past the queue
        assertThat(assetCount()).as("the withdrawn upload never commits").isEqualTo(before + 2);
    }
}
