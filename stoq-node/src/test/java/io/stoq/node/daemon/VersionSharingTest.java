package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Sha256;
import io.stoq.node.assets.StorageSweep;
import io.stoq.node.fault.FaultInjection;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11, deliverable 3 on a real node: versions of one asset share the stored shards of their
 * unchanged chunks (counted in the shard store), other assets share nothing, a version deleted on
 * its own leaves the others whole, and the storage sweep frees only what no live version, recent
 * deletion or upload in progress needs.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class VersionSharingTest {
    static final long MIB = 1 << 20;
    TestNode t;

    @BeforeEach
    void start() throws Exception {
        t = new TestNode(Map.of("ledger.commit-timeout", "3s"));
    }

    @AfterEach
    void stop() throws Exception {
        t.close();
    }

    /** {@code size} bytes of generated {@code kind} with byte {@code flipAt} flipped (none when negative). */
    static InputStream body(CorpusKind kind, long size, long seed, long flipAt) {
        return new FilterInputStream(CorpusGenerator.stream(kind, size, seed)) {
            long pos;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0 && flipAt >= pos && flipAt < pos + n) {
                    b[off + (int) (flipAt - pos)] ^= 1;
                }
                pos += Math.max(n, 0);
                return n;
            }
        };
    }

    static HttpRequest.BodyPublisher publisher(CorpusKind kind, long size, long seed, long flipAt) {
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body(kind, size, seed, flipAt)), size);
    }

    static String sha256(CorpusKind kind, long size, long seed, long flipAt) throws IOException {
        try (InputStream in = body(kind, size, seed, flipAt)) {
            return Sha256.hash(in).toHex();
        }
    }

    JsonNode create(CorpusKind kind, long size, long seed) throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(publisher(kind, size, seed, -1)).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return TestNode.json(r);
    }

    HttpResponse<byte[]> update(String id, CorpusKind kind, long size, long seed, long flipAt) throws Exception {
        return t.send(t.request("/v1/assets/" + id + "/content", "alice").header("Content-Type", "application/octet-stream")
                .PUT(publisher(kind, size, seed, flipAt)).build());
    }

    /** SHA-256 (the content digest) of a downloaded version, streamed. */
    String downloadSha256(String id, long version) throws Exception {
        HttpResponse<InputStream> r = t.client.send(t.request("/v1/assets/" + id + "/content?version=" + version, "alice").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            return Sha256.hash(in).toHex();
        }
    }

    java.util.List<java.nio.file.Path> files() throws IOException {
        java.nio.file.Path shards = t.dir.resolve("shards");
        java.util.List<java.nio.file.Path> found = new java.util.ArrayList<>();
        // tmp is skipped, not walked and filtered: an upload's .part files vanish while a walk stats them.
        java.nio.file.Files.walkFileTree(shards, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(java.nio.file.Path dir,
                    java.nio.file.attribute.BasicFileAttributes attrs) {
                return dir.equals(shards.resolve("tmp")) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
                        : java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFile(java.nio.file.Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    found.add(file);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return found;
    }

    StorageSweep.Result sweep(Duration retention, Instant now) throws Exception {
        return t.node.assets().sweep(retention, now);
    }

    @Test
    void aOneByteEditOfA100MiBFileStoresAtMostThreeNewShards() throws Exception {
        long size = 100 * MIB;
        String id = create(CorpusKind.RANDOM, size, 1).get("id").asText();
        long afterV1 = t.storedFiles();
        HttpResponse<byte[]> r = update(id, CorpusKind.RANDOM, size, 1, 50 * MIB + 12345);
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        long added = t.storedFiles() - afterV1;
        assertThat(added).as("files added by version 2: its new shards and its manifest").isBetween(2L, 4L);
        assertThat(TestNode.json(r).get("sha256").asText()).isEqualTo(sha256(CorpusKind.RANDOM, size, 1, 50 * MIB + 12345));
        assertThat(downloadSha256(id, 1)).isEqualTo(sha256(CorpusKind.RANDOM, size, 1, -1));
        assertThat(downloadSha256(id, 2)).isEqualTo(sha256(CorpusKind.RANDOM, size, 1, 50 * MIB + 12345));
    }

    @Test
    void theSameContentInAnotherAssetSharesNoShard() throws Exception {
        long before = t.storedFiles();
        create(CorpusKind.TEXT, 4 * MIB, 2);
        long one = t.storedFiles() - before;
        create(CorpusKind.TEXT, 4 * MIB, 2);
        assertThat(t.storedFiles() - before).as("a second lineage stores its own shards").isEqualTo(2 * one);
    }

    @Test
    void aDeletedAssetIsFreedAfterTheRetentionAndNothingElseIs() throws Exception {
        long base = t.storedFiles();
        String a = create(CorpusKind.MIXED, 12 * MIB, 3).get("id").asText();
        assertThat(update(a, CorpusKind.MIXED, 12 * MIB, 3, 6 * MIB).statusCode()).isEqualTo(200);
        long withA = t.storedFiles();
        String b = create(CorpusKind.MIXED, 12 * MIB, 3).get("id").asText();
        long withB = t.storedFiles();
        HttpResponse<byte[]> del = t.send(t.request("/v1/assets/" + a, "alice").header("X-Stoq-TOTP", t.totp("alice"))
                .DELETE().build());
        assertThat(del.statusCode()).isEqualTo(204);

        StorageSweep.Result kept = sweep(Duration.ofDays(1), t.clock.instant());
        assertThat(kept.complete()).isTrue();
        assertThat(kept.removed()).as("within the retention a deleted asset keeps its shards").isZero();
        assertThat(t.storedFiles()).isEqualTo(withB);

        StorageSweep.Result freed = sweep(Duration.ZERO, t.clock.instant().plusSeconds(1));
        assertThat(freed.removed()).as("every file of both versions of the deleted asset").isEqualTo(withA - base);
        assertThat(t.storedFiles()).isEqualTo(base + (withB - withA));
        assertThat(downloadSha256(b, 1)).isEqualTo(sha256(CorpusKind.MIXED, 12 * MIB, 3, -1));
        assertThat(sweep(Duration.ZERO, t.clock.instant().plusSeconds(2)).removed()).isZero();
    }

    HttpResponse<byte[]> deleteVersion(String id, long version) throws Exception {
        return t.send(t.request("/v1/assets/" + id + "/versions/" + version, "alice").header("X-Stoq-TOTP", t.totp("alice"))
                .DELETE().build());
    }

    /**
     * Issue 11's acceptance: deleting version 1 keeps version 2 whole, and a shard both versions
     * use survives the deletion of one; only what version 1 alone used (its manifest and the
     * shards of the chunks version 2 changed) is freed, and only after the retention.
     */
    @Test
    void deletingVersionOneKeepsVersionTwoWholeAndFreesOnlyWhatVersionOneAloneUsed() throws Exception {
        long size = 12 * MIB;
        long flip = 6 * MIB + 777;
        long base = t.storedFiles();
        String id = create(CorpusKind.MIXED, size, 7).get("id").asText();
        long afterV1 = t.storedFiles();
        assertThat(update(id, CorpusKind.MIXED, size, 7, flip).statusCode()).isEqualTo(200);
        long afterV2 = t.storedFiles();
        long v1Files = afterV1 - base;
        long newInV2 = afterV2 - afterV1;
        assertThat(newInV2).as("version 2 adds its manifest and the shards of the changed chunks").isBetween(2L, 4L);

        HttpResponse<byte[]> latest = deleteVersion(id, 2);
        assertThat(latest.statusCode()).as("the latest version goes only with the asset").isEqualTo(409);
        assertThat(deleteVersion(id, 9).statusCode()).isEqualTo(404);
        assertThat(deleteVersion(id, 1).statusCode()).isEqualTo(204);
        assertThat(deleteVersion(id, 1).statusCode()).as("deleted already").isEqualTo(404);
        for (String path : new String[] {"", "/content", "/proof"}) {
            assertThat(t.send(t.request("/v1/assets/" + id + path + "?version=1", "alice").build()).statusCode())
                    .as("GET %s?version=1", path).isEqualTo(404);
        }
        JsonNode history = TestNode.json(t.send(t.request("/v1/assets/" + id + "/history", "alice").build())).get("items");
        JsonNode last = history.get(history.size() - 1);
        assertThat(last.get("change").asText()).isEqualTo("VERSION_DELETE");
        assertThat(last.get("version").asLong()).isEqualTo(1);
        assertThat(history.get(0).get("change").asText()).isEqualTo("CREATE"); // the history keeps version 1's creation
        assertThat(TestNode.json(t.send(t.request("/v1/assets/" + id, "alice").build())).get("version").asLong()).isEqualTo(2);

        StorageSweep.Result kept = sweep(Duration.ofDays(1), t.clock.instant());
        assertThat(kept.complete()).isTrue();
        assertThat(kept.removed()).as("within the retention a deleted version keeps its shards").isZero();

        StorageSweep.Result freed = sweep(Duration.ZERO, t.clock.instant().plusSeconds(1));
        assertThat(freed.complete()).isTrue();
        // Version 2 replaced as many chunks as it added shards (the edit keeps the length), so
        // version 1 alone used its manifest and that many shards; everything else is shared.
        assertThat((long) freed.removed()).as("version 1's manifest and its changed chunks' shards").isEqualTo(newInV2);
        assertThat((long) freed.removed()).isLessThan(v1Files);
        assertThat(t.storedFiles()).isEqualTo(afterV2 - newInV2);
        assertThat(downloadSha256(id, 2)).as("version 2 whole: every shared shard survived").isEqualTo(sha256(CorpusKind.MIXED, size, 7, flip));
        assertThat(sweep(Duration.ZERO, t.clock.instant().plusSeconds(2)).removed()).isZero();

        t.restart(); // the deletion is ledger state: still deleted, version 2 still whole
        assertThat(t.send(t.request("/v1/assets/" + id + "/content?version=1", "alice").build()).statusCode()).isEqualTo(404);
        assertThat(downloadSha256(id, 2)).isEqualTo(sha256(CorpusKind.MIXED, size, 7, flip));
    }

    @Test
    void aSweepDuringAnUploadKeepsEveryShardTheUploadWrote() throws Exception {
        String id = create(CorpusKind.TEXT, 8 * MIB, 4).get("id").asText();
        long afterV1 = t.storedFiles();
        long size = 16 * MIB;
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        HttpRequest.BodyPublisher paused = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                () -> new FilterInputStream(body(CorpusKind.TEXT, size, 5, -1)) {
                    long pos;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        if (pos >= size / 2 && halfway.getCount() > 0) {
                            halfway.countDown();
                            try {
                                go.await();
                            } catch (InterruptedException e) {
                                throw new IOException(e);
                            }
                        }
                        int limit = pos < size / 2 ? (int) Math.min(len, size / 2 - pos) : len;
                        int n = super.read(b, off, limit);
                        pos += Math.max(n, 0);
                        return n;
                    }
                }), size);
        CompletableFuture<HttpResponse<byte[]>> upload = CompletableFuture.supplyAsync(() -> {
            try {
                return t.send(t.request("/v1/assets/" + id + "/content", "alice").header("Content-Type", "application/octet-stream")
                        .PUT(paused).build());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(halfway.await(60, TimeUnit.SECONDS)).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> t.storedFiles() > afterV1 + 3);
        java.util.List<java.nio.file.Path> during = files();
        StorageSweep.Result r = sweep(Duration.ZERO, t.clock.instant());
        assertThat(r.complete()).isTrue();
        assertThat(r.removed()).as("an upload's shards are pinned until its version settles").isZero();
        assertThat(during).allMatch(java.nio.file.Files::exists); // (the pipeline may still be adding more)
        go.countDown();
        HttpResponse<byte[]> done = upload.get(120, TimeUnit.SECONDS);
        assertThat(done.statusCode()).as(new String(done.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(sweep(Duration.ZERO, t.clock.instant()).removed()).isZero();
        assertThat(downloadSha256(id, 2)).isEqualTo(sha256(CorpusKind.TEXT, size, 5, -1));
        assertThat(downloadSha256(id, 1)).isEqualTo(sha256(CorpusKind.TEXT, 8 * MIB, 4, -1));
    }

    /**
     * A crash after version 2's shards are stored and before its tx commits: the ledger writer
     * fails the block (the outcome stays open, so nothing is discarded), the node restarts, and the
     * start-up sweep removes version 2's new shards while keeping every shard version 1 names,
     * including those version 2 reused.
     */
    @Test
    void aCrashBetweenStoreAndCommitLeavesEveryReferencedShard() throws Exception {
        long size = 8 * MIB;
        String id = create(CorpusKind.TEXT, size, 6).get("id").asText();
        long afterV1 = t.storedFiles();
        AtomicBoolean first = new AtomicBoolean(true);
        HttpResponse<byte[]> r;
        try (FaultInjection.Installed fault = FaultInjection.install(FaultInjection.LEDGER_BEFORE_COMMIT, ctx -> {
            if (first.getAndSet(false)) {
                throw new IllegalStateException("simulated crash before the block is written");
            }
        })) {
            r = update(id, CorpusKind.TEXT, size, 6, size / 3);
        }
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(503);
        assertThat(t.storedFiles()).as("version 2's new shards and manifest are on disk").isGreaterThan(afterV1);
        t.restart();
        assertThat(t.storedFiles()).isEqualTo(afterV1);
        JsonNode meta = TestNode.json(t.send(t.request("/v1/assets/" + id, "alice").build()));
        assertThat(meta.get("version").asLong()).isEqualTo(1);
        assertThat(downloadSha256(id, 1)).isEqualTo(sha256(CorpusKind.TEXT, size, 6, -1));
        // and the lineage goes on: the next version reuses version 1's shards
        assertThat(update(id, CorpusKind.TEXT, size, 6, size / 3).statusCode()).isEqualTo(200);
        assertThat(t.storedFiles() - afterV1).isBetween(2L, 4L);
        assertThat(downloadSha256(id, 2)).isEqualTo(sha256(CorpusKind.TEXT, size, 6, size / 3));
    }
}
