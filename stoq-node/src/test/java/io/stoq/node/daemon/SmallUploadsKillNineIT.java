package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grouped small uploads survive kill -9: {@code stoq dev} as a real process takes a burst of
 * 1 KiB uploads from 16 clients (their shards and manifests group-committed in the small shard
 * store, their txs group-committed in the ledger), is killed with SIGKILL in the middle of the
 * burst, and restarted on the same data directory: every upload that was answered 201 before the
 * kill reads back byte for byte.
 */
@Timeout(600)
class SmallUploadsKillNineIT {
    private static final int CLIENTS = 16;

    @TempDir
    Path work;

    private DevProcess startDev() throws Exception {
        return DevProcess.start(work, DevProcess.LAUNCHER.toString(), work.resolve("dev.err"), "--data", "data",
                "-D", "store.min-free=0B", "-D", "api.rate-limit.per-second=100000", "-D", "api.rate-limit.burst=100000");
    }

    private static HttpRequest.Builder req(DevProcess dev, String path, String key) {
        return HttpRequest.newBuilder(URI.create(dev.baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key);
    }

    @Test
    void everyAcknowledgedSmallUploadSurvivesAKillDuringTheBurst() throws Exception {
        DevProcess dev = startDev();
        String key = Files.readString(work.resolve("data/dev-admin.key")).trim();
        Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            Thread th = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                Random rnd = new Random(client);
                while (!stop.get()) {
                    byte[] data = new byte[1024];
                    rnd.nextBytes(data);
                    try {
                        HttpResponse<byte[]> r = http.send(req(dev, "/v1/assets", key)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() == 201) {
                            acknowledged.put(DevJson.id(r.body()), data);
                        }
                    } catch (IOException e) {
                        return; // the node is gone: this client's burst is over
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "small-upload-client-" + c);
            th.setDaemon(true);
            th.start();
            clients.add(th);
        }
        Awaitility.await().atMost(Duration.ofMinutes(4)).until(() -> acknowledged.size() >= 300);
        // SIGKILL in the middle of the burst: every client has an upload in flight
        dev.kill();
        stop.set(true);
        for (Thread th : clients) {
            th.join(TimeUnit.SECONDS.toMillis(60));
        }
        Map<String, byte[]> acked = Map.copyOf(acknowledged);
        System.out.printf("%d small uploads acknowledged before SIGKILL%n", acked.size());

        DevProcess again = startDev();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int missing = 0;
        for (Map.Entry<String, byte[]> a : acked.entrySet()) {
            HttpResponse<byte[]> r = http.send(req(again, "/v1/assets/" + a.getKey() + "/content", key).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200 || !java.util.Arrays.equals(r.body(), a.getValue())) {
                missing++;
            }
        }
        assertThat(missing).as("acknowledged uploads missing or different after kill -9, of %d", acked.size()).isZero();
        again.stop();
    }

    /** The id field of an asset's JSON. */
    private static final class DevJson {
        static String id(byte[] body) throws IOException {
            return TestNode.JSON.readTree(body).get("id").asText();
        }
    }
}
