package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.node.fault.FaultInjection;
import io.stoq.node.store.SmallShardStore;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Small uploads on a real node go through the group-committed small shard store: concurrent
 * uploads share synced writes, and when a group's synced write fails (the fault point
 * {@code store.small-group-sync}, a disk refusing the fsync) every upload of the group gets an
 * error and none is acknowledged, listed or committed to the ledger.
 */
@Timeout(300)
class SmallUploadsOnNodeTest {
    static TestNode t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestNode(Map.of("api.upload-workers", "32"));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static CompletableFuture<HttpResponse<byte[]>> upload(byte[] data) {
        return t.client.sendAsync(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static int assetCount() throws Exception {
        return TestNode.json(t.send(t.request("/v1/assets?limit=500", "alice").build())).get("items").size();
    }

    @Test
    void concurrentSmallUploadsShareSyncedWritesAndReadBack() throws Exception {
        SmallShardStore.Stats before = t.node.shardStore().smallStats();
        Map<String, byte[]> stored = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            byte[] data = random(1024, 1000 + i);
            all.add(upload(data).thenAccept(r -> {
                assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
                try {
                    stored.put(TestNode.json(r).get("id").asText(), data);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
        SmallShardStore.Stats after = t.node.shardStore().smallStats();
        long puts = after.puts() - before.puts();
        long groups = after.groups() - before.groups();
        System.out.printf("48 concurrent 1 KiB uploads: %d small puts in %d synced writes%n", puts, groups);
        assertThat(puts).as("a shard and a manifest per upload").isEqualTo(96);
        assertThat(groups).as("synced writes").isLessThan(puts);
        for (Map.Entry<String, byte[]> e : stored.entrySet()) {
            HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + e.getKey() + "/content", "alice").build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(e.getValue());
        }
    }

    @Test
    void whenAGroupsSyncedWriteFailsNoUploadOfItIsAcknowledged() throws Exception {
        int before = assetCount();
        long height = t.node.ledger().ledger().height();
        AtomicInteger failedGroups = new AtomicInteger();
        List<HttpResponse<byte[]>> answers = new ArrayList<>();
        try (FaultInjection.Installed fault = FaultInjection.install(SmallShardStore.GROUP_SYNC, ctx -> {
            failedGroups.incrementAndGet();
            throw new IllegalStateException("injected: the disk refused the fsync");
        })) {
            List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                all.add(upload(random(1024, 2000 + i)));
            }
            for (CompletableFuture<HttpResponse<byte[]>> f : all) {
                answers.add(f.join());
            }
        }
        assertThat(failedGroups.get()).isPositive();
        for (HttpResponse<byte[]> r : answers) {
            String body = new String(r.body(), StandardCharsets.UTF_8);
            assertThat(r.statusCode()).as(body).isEqualTo(500);
            assertThat(body).contains("shard store failed");
        }
        assertThat(assetCount()).as("no upload of a failed group is listed").isEqualTo(before);
        assertThat(t.node.ledger().ledger().height()).as("nothing reached the ledger").isEqualTo(height);
        // the disk is back: uploads work again
        HttpResponse<byte[]> ok = upload(random(1024, 3000)).join();
        assertThat(ok.statusCode()).isEqualTo(201);
    }
}
