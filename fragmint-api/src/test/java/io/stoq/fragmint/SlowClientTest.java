package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.DataSize;
import io.stoq.fragmint.http.Json;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that are slow on purpose are cut by their deadline, and none of them holds one of the
 * (here only two) request workers while it dawdles: a request head that trickles in (header
 * timeout), a download nobody reads (write-stall timeout), an upload below the minimum rate, a
 * JSON body that never completes. A well-behaved keep-alive client that merely idles between
 * requests is left alone.
 */
class SlowClientTest {
    static final Duration HEADER = Duration.ofSeconds(2);
    static final Duration WRITE_STALL = Duration.ofSeconds(1);
    static final ApiServerConfig.MinRate MIN_RATE = new ApiServerConfig.MinRate(DataSize.ofKiB(8), Duration.ofSeconds(2));
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        ApiServerConfig base = ApiServerConfig.defaults().withPorts(0, -1);
        t = new TestServer(base
                .withTimeouts(base.timeouts().withHeader(HEADER).withWriteStall(WRITE_STALL))
                .withLimits(base.limits().withUploadMinRate(MIN_RATE))
                .withWorkers(new ApiServerConfig.Workers(2, 2)));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    /** {@code GET /v1/me} from a normal client, answered. */
    static void meIsAnswered() throws Exception {
        HttpResponse<byte[]> me = t.send(t.request("/v1/me", "rita").timeout(Duration.ofSeconds(20)).build());
        assertThat(me.statusCode()).isEqualTo(200);
    }

    @Test
    void aTricklingRequestHeadIsCutAndAnIdleKeepAliveConnectionIsNot() throws Exception {
        double before = t.metric("fragmint_header_timeouts_total");
        try (RawHttp silent = new RawHttp(t.server.port());
                RawHttp slowloris = new RawHttp(t.server.port());
                RawHttp polite = new RawHttp(t.server.port())) {
            slowloris.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickle = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        slowloris.send("a");
                        Thread.sleep(50);
                    }
                } catch (Exception closedByServer) {
                    // expected
                }
            });
            trickle.start();
            assertThat(polite.get("/healthz", null).read().status()).isEqualTo(200);
            assertThat(slowloris.closedWithoutAnswer()).isTrue();
            assertThat(silent.closedWithoutAnswer()).as("a connection that never sends a head").isTrue();
            stop.set(true);
            trickle.join();
            // The polite connection idles between requests for twice the header timeout, then is served again.
            await().during(HEADER.multipliedBy(2)).atMost(HEADER.multipliedBy(4))
                    .until(() -> t.metric("fragmint_header_timeouts_total") == before + 2);
            RawHttp.Response again = polite.get("/healthz", null).read();
            assertThat(again.status()).isEqualTo(200);
        }
    }

    @Test
    void downloadsNobodyReadsHoldNoWorkerAndAreCutAfterTheWriteStallTimeout() throws Exception {
        byte[] data = SecureRandoms.bytes(24 * 1024 * 1024);
        HttpResponse<byte[]> created = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
        assertThat(created.statusCode()).isEqualTo(201);
        String id = TestServer.json(created).get("id").asText();
        double before = t.metric("fragmint_write_stall_cuts_total");
        List<RawHttp> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                RawHttp c = new RawHttp(t.server.port(), 4096);
                assertThat(c.get("/v1/assets/" + id + "/content", t.keys.get("alice")).readHead().status()).isEqualTo(200);
                stalled.add(c);
            }
            // Six stalled downloads, two workers: a normal request is still answered at once.
            meIsAnswered();
            await().atMost(Duration.ofSeconds(30)).until(() -> t.metric("fragmint_write_stall_cuts_total") >= before + 6);
            for (RawHttp c : stalled) {
                c.socket.setSoTimeout(20_000);
                assertThat(c.drainsToClose()).as("the server closed the stalled download").isTrue();
            }
        } finally {
            for (RawHttp c : stalled) {
                c.close();
            }
        }
    }

    @Test
    void anUploadBelowTheMinimumRateIsCutEvenThoughEveryByteArrivesQuickly() throws Exception {
        double before = t.metric("fragmint_slow_body_cuts_total");
        try (RawHttp c = new RawHttp(t.server.port())) {
            c.send("POST /v1/assets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + t.keys.get("alice")
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n");
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickle = new Thread(() -> {
                try {
                    // 10 bytes every 100 ms: a byte never waits long, but 100 B/s is far below 4 KiB/s.
                    while (!stop.get()) {
                        c.send(new byte[10]);
                        Thread.sleep(100);
                    }
                } catch (Exception closedByServer) {
                    // expected
                }
            });
            trickle.start();
            try {
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(400);
                JsonNode p = Json.MAPPER.readTree(r.body());
                assertThat(p.get("code").asText()).isEqualTo("TRUNCATED_BODY");
                assertThat(p.get("detail").asText()).contains("too slow").contains("8KiB per 2s");
            } finally {
                stop.set(true);
                trickle.join();
            }
        }
        assertThat(t.metric("fragmint_slow_body_cuts_total")).isEqualTo(before + 1);
        assertThat(t.node.assets.stagingFiles()).isZero();
    }

    @Test
    void anUploadAboveTheMinimumRateGoesThrough() throws Exception {
        byte[] data = SecureRandoms.bytes(96 * 1024);
        try (RawHttp c = new RawHttp(t.server.port())) {
            c.send("POST /v1/assets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + t.keys.get("alice")
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + data.length + "\r\n\r\n");
            // 16 KiB every 200 ms: slow, but 20x the minimum.
            for (int off = 0; off < data.length; off += 16 * 1024) {
                c.send(java.util.Arrays.copyOfRange(data, off, off + 16 * 1024));
                Thread.sleep(200);
            }
            assertThat(c.read().status()).isEqualTo(201);
        }
    }

    @Test
    void jsonBodiesThatNeverCompleteHoldNoWorker() throws Exception {
        // A session counts as second factor, so these requests pass every check and reach their body.
        String session = TestServer.json(t.send(t.request("/v1/sessions", "alice").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.noBody()).build())).get("token").asText();
        List<RawHttp> hanging = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                RawHttp c = new RawHttp(t.server.port());
                c.send("POST /v1/tokens/transfers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        + session + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"to\":");
                hanging.add(c);
            }
            meIsAnswered();
            meIsAnswered();
        } finally {
            for (RawHttp c : hanging) {
                c.close();
            }
        }
    }

    @Test
    void aWebSocketIsNotCutByTheHeaderTimeout() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<String> pongs = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.WebSocket ws = t.client(java.net.http.HttpClient.Version.HTTP_1_1).newWebSocketBuilder()
                .header("Authorization", "Bearer " + t.keys.get("rita"))
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + t.server.port() + "/v1/events"),
                        new java.net.http.WebSocket.Listener() {
                            @Override
                            public java.util.concurrent.CompletionStage<?> onPong(java.net.http.WebSocket w,
                                    java.nio.ByteBuffer message) {
                                pongs.add("pong");
                                w.request(1);
                                return null;
                            }
                        }).get(20, java.util.concurrent.TimeUnit.SECONDS);
        try {
            double before = t.metric("fragmint_header_timeouts_total");
            ws.sendPing(java.nio.ByteBuffer.wrap(new byte[] {1})).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(pongs.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("pong");
            // Bytes after a request used to start the head clock; a WebSocket has no more heads.
            await().during(HEADER.multipliedBy(2)).atMost(HEADER.multipliedBy(4))
                    .until(() -> t.metric("fragmint_header_timeouts_total") == before);
            ws.sendPing(java.nio.ByteBuffer.wrap(new byte[] {2})).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(pongs.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("pong");
        } finally {
            ws.abort();
        }
    }
}
