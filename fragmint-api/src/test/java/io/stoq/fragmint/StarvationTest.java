package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.http.ApiServerConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's freeze, as the acceptance test: 48 connections ask for a large asset and never
 * read, 16 more trickle uploads at a byte every half second, and meanwhile a normal client's
 * {@code GET /v1/me} and a small download are answered, three times in a row. The write-stall
 * timeout is set far beyond the test, so the answers come because slow clients hold no worker,
 * not because they are cut. (On the code the issue was filed against, {@code /v1/me} waited for
 * a worker that never came.)
 */
class StarvationTest {
    static final int STALLED_DOWNLOADS = 48;
    static final int TRICKLING_UPLOADS = 16;

    @Test
    void slowClientsDoNotStarveOthers() throws Exception {
        ApiServerConfig base = ApiServerConfig.defaults().withPorts(0, -1);
        try (TestServer t = new TestServer(base.withTimeouts(base.timeouts().withWriteStall(Duration.ofMinutes(30))))) {
            String alice = t.keys.get("alice");
            byte[] big = SecureRandoms.bytes(64 * 1024 * 1024);
            byte[] small = SecureRandoms.bytes(10_000);
            String bigId = upload(t, big);
            String smallId = upload(t, small);
            HttpResponse<byte[]> granted = t.send(t.request("/v1/assets/" + smallId + "/grants", "alice")
                    .header("X-Stoq-TOTP", t.totp("alice")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"account\": \"rita\"}")).build());
            assertThat(granted.statusCode()).as("alice lets rita read the small asset").isEqualTo(201);

            List<RawHttp> clients = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> tricklers = new ArrayList<>();
            try {
                for (int i = 0; i < STALLED_DOWNLOADS; i++) {
                    RawHttp c = new RawHttp(t.server.port(), 4096);
                    clients.add(c);
                    assertThat(c.get("/v1/assets/" + bigId + "/content", alice).readHead().status()).isEqualTo(200);
                }
                for (int i = 0; i < TRICKLING_UPLOADS; i++) {
                    RawHttp c = new RawHttp(t.server.port());
                    clients.add(c);
                    c.send("POST /v1/assets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + alice
                            + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n");
                    Thread trickle = new Thread(() -> {
                        try {
                            while (!stop.get()) {
                                c.send(new byte[1]);
                                Thread.sleep(500);
                            }
                        } catch (Exception closed) {
                            // the test is over
                        }
                    });
                    trickle.start();
                    tricklers.add(trickle);
                }
                for (int round = 0; round < 3; round++) {
                    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                        HttpResponse<byte[]> me = t.send(t.request("/v1/me", "rita").timeout(Duration.ofSeconds(10)).build());
                        assertThat(me.statusCode()).isEqualTo(200);
                    });
                    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                        HttpResponse<byte[]> down = t.send(t.request("/v1/assets/" + smallId + "/content", "rita")
                                .timeout(Duration.ofSeconds(10)).build());
                        assertThat(down.statusCode()).isEqualTo(200);
                        assertThat(down.body()).isEqualTo(small);
                    });
                }
            } finally {
                stop.set(true);
                for (RawHttp c : clients) {
                    c.close();
                }
                for (Thread th : tricklers) {
                    th.join();
                }
            }
        }
    }

    static String upload(TestServer t, byte[] data) throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
        assertThat(r.statusCode()).isEqualTo(201);
        return TestServer.json(r).get("id").asText();
    }
}
