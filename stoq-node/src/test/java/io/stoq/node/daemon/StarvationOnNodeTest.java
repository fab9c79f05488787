package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.fragmint.RawHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's freeze on a real node (shard store, ledger, verified reads): 48 connections ask for
 * a large asset and never read, 16 more trickle uploads, and a normal client's {@code GET /v1/me}
 * and a small download are still answered, three times in a row. (fragmint-api's
 * {@code StarvationTest} is the same over the test double.)
 */
class StarvationOnNodeTest {
    @Test
    void slowClientsDoNotStarveOthersOnARealNode() throws Exception {
        try (TestNode t = new TestNode()) {
            String alice = t.keys.get("alice");
            byte[] big = new byte[32 * 1024 * 1024];
            new Random(1).nextBytes(big);
            byte[] small = new byte[10_000];
            new Random(2).nextBytes(small);
            String bigId = upload(t, big);
            String smallId = upload(t, small);

            List<RawHttp> clients = new ArrayList<>();
            List<Thread> tricklers = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            try {
                for (int i = 0; i < 48; i++) {
                    RawHttp c = new RawHttp(t.node.port(), 4096);
                    clients.add(c);
                    assertThat(c.get("/v1/assets/" + bigId + "/content", alice).readHead().status()).isEqualTo(200);
                }
                for (int i = 0; i < 16; i++) {
                    RawHttp c = new RawHttp(t.node.port());
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
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                        HttpResponse<byte[]> me = t.send(t.request("/v1/me", "rita").timeout(Duration.ofSeconds(20)).build());
                        assertThat(me.statusCode()).isEqualTo(200);
                    });
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                        HttpResponse<byte[]> down = t.send(t.request("/v1/assets/" + smallId + "/content", "alice")
                                .timeout(Duration.ofSeconds(20)).build());
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

    static String upload(TestNode t, byte[] data) throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return TestNode.json(r).get("id").asText();
    }
}
