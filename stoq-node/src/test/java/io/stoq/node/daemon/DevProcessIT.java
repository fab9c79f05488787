package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stoq dev} as a real process (the {@code ./stoq} launcher): uploads, SIGKILL in the middle
 * of a large upload, restart on the same data directory; every acknowledged asset must read back
 * identical and the interrupted one must be absent or complete. Then SIGTERM stops it cleanly.
 */
class DevProcessIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path work;

    private DevProcess startDev() throws Exception {
        return DevProcess.start(work, DevProcess.LAUNCHER.toString(), work.resolve("dev.err"), "--data", "data",
                "-D", "ledger.block-interval=5ms", "-D", "store.min-free=0B");
    }

    private HttpRequest.Builder req(DevProcess dev, String path, String key) {
        return HttpRequest.newBuilder(URI.create(dev.baseUrl() + path)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + key);
    }

    private static byte[] data(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void killDuringUploadThenRestartKeepsAcknowledgedAssetsAndNothingCorrupt() throws Exception {
        DevProcess dev = startDev();
        String key = Files.readString(work.resolve("data/dev-admin.key")).trim();
        Map<String, byte[]> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            byte[] d = data(i, 300_000 + i);
            HttpResponse<byte[]> r = client.send(req(dev, "/v1/assets", key).POST(HttpRequest.BodyPublishers.ofByteArray(d))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(201);
            acknowledged.put(TestNode.JSON.readTree(r.body()).get("id").asText(), d);
        }

        // a 256 MiB upload, killed (SIGKILL) once 32 MiB are sent
        long total = 256L << 20;
        AtomicLong sent = new AtomicLong();
        InputStream big = new InputStream() {
            private final Random rnd = new Random(99);

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                long left = total - sent.get();
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                byte[] chunk = new byte[n];
                rnd.nextBytes(chunk);
                System.arraycopy(chunk, 0, b, off, n);
                sent.addAndGet(n);
                return n;
            }
        };
        CompletableFuture<HttpResponse<byte[]>> upload = client.sendAsync(req(dev, "/v1/assets", key)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> big), total))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (sent.get() < (32L << 20) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(sent.get()).isGreaterThanOrEqualTo(32L << 20);
        dev.kill();
        upload.handle((r, e) -> null).get(30, TimeUnit.SECONDS);

        DevProcess again = startDev();
        for (Map.Entry<String, byte[]> a : acknowledged.entrySet()) {
            HttpResponse<byte[]> r = client.send(req(again, "/v1/assets/" + a.getKey() + "/content", key).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(a.getValue());
        }
        JsonNode list = TestNode.JSON.readTree(client.send(req(again, "/v1/assets?limit=500", key).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body());
        Set<String> ids = new HashSet<>();
        List<JsonNode> extra = new ArrayList<>();
        for (JsonNode m : list.get("items")) {
            ids.add(m.get("id").asText());
            if (!acknowledged.containsKey(m.get("id").asText())) {
                extra.add(m);
            }
        }
        assertThat(ids).containsAll(acknowledged.keySet());
        // the interrupted upload can only be there if it was complete
        for (JsonNode m : extra) {
            assertThat(m.get("size").asLong()).isEqualTo(total);
        }
        // a new upload works after the restart
        HttpResponse<byte[]> after = client.send(req(again, "/v1/assets", key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(data(7, 1000))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(after.statusCode()).isEqualTo(201);

        again.stop();
        assertThat(Files.readString(work.resolve("dev.err"))).doesNotContain("Exception");
    }
}
