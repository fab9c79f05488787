package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.stoq.fragmint.client.Http1Client;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The benchmarks' Netty HTTP/1.1 client against a real API server, and against servers that misbehave. */
@Timeout(60)
class Http1ClientTest {
    static TestServer t;
    static EventLoopGroup loop;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer();
        loop = Http1Client.eventLoop();
    }

    @AfterAll
    static void stop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        t.close();
    }

    private static Http1Client connect(int port) throws Exception {
        return new Http1Client(loop, new InetSocketAddress("127.0.0.1", port), 1 << 20);
    }

    @Test
    void uploadsAndReadsBackOverOneKeptAliveConnection() throws Exception {
        Map<String, String> auth = Map.of("authorization", "Bearer " + t.keys.get("alice"), "content-type", "application/octet-stream");
        try (Http1Client http = connect(t.port())) {
            for (int i = 0; i < 20; i++) {
                byte[] body = ("asset number " + i).getBytes(StandardCharsets.UTF_8);
                Http1Client.Response created = http.send(HttpMethod.POST, "/v1/assets", auth, body, Duration.ofSeconds(30));
                assertThat(created.status()).as(new String(created.body(), StandardCharsets.UTF_8)).isEqualTo(201);
                String id = io.stoq.fragmint.http.Json.MAPPER.readTree(created.body()).get("id").asText();
                Http1Client.Response content = http.send(HttpMethod.GET, "/v1/assets/" + id + "/content", auth, new byte[0],
                        Duration.ofSeconds(30));
                assertThat(content.status()).isEqualTo(200);
                assertThat(content.body()).isEqualTo(body);
            }
            // An error answer is a response too, and the connection stays usable (no body: a server
            // that answers before a body has arrived may close the connection instead of reading it).
            Http1Client.Response refused = http.send(HttpMethod.POST, "/v1/assets", Map.of(), new byte[0], Duration.ofSeconds(30));
            assertThat(refused.status()).isEqualTo(401);
            assertThat(http.send(HttpMethod.GET, "/healthz", Map.of(), new byte[0], Duration.ofSeconds(30)).status()).isEqualTo(200);
        }
    }

    /** Larger than the client's own limit for whole bodies: both directions must stream, through the backlog's high mark. */
    @Test
    void streamsALargeBodyUpAndDown() throws Exception {
        Map<String, String> auth = Map.of("authorization", "Bearer " + t.keys.get("alice"), "content-type", "application/octet-stream");
        byte[] data = new byte[12 << 20];
        new java.util.Random(11).nextBytes(data);
        try (Http1Client http = connect(t.port())) {
            java.io.ByteArrayOutputStream created = new java.io.ByteArrayOutputStream();
            Http1Client.Result up = http.exchange(HttpMethod.POST, "/v1/assets", auth, new java.io.ByteArrayInputStream(data),
                    data.length, created, Duration.ofSeconds(60));
            assertThat(up.status()).as(created.toString(StandardCharsets.UTF_8)).isEqualTo(201);
            String id = io.stoq.fragmint.http.Json.MAPPER.readTree(created.toByteArray()).get("id").asText();
            java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
            Http1Client.Result down = http.exchange(HttpMethod.GET, "/v1/assets/" + id + "/content", auth, null, 0, content,
                    Duration.ofSeconds(60));
            assertThat(down.status()).isEqualTo(200);
            assertThat(down.bodyBytes()).isEqualTo(data.length);
            assertThat(content.toByteArray()).isEqualTo(data);
            assertThatThrownBy(() -> http.send(HttpMethod.GET, "/v1/assets/" + id + "/content", auth, new byte[0], Duration.ofSeconds(60)))
                    .isInstanceOf(IOException.class).hasMessageContaining("over"); // send() holds at most 1 MiB
        }
    }

    @Test
    void aBodyShorterThanAnnouncedFailsInsteadOfHanging() throws Exception {
        try (Http1Client http = connect(t.port())) {
            assertThatThrownBy(() -> http.exchange(HttpMethod.POST, "/v1/assets", Map.of(), new java.io.ByteArrayInputStream(new byte[10]),
                    100, java.io.OutputStream.nullOutputStream(), Duration.ofSeconds(30)))
                    .isInstanceOf(IOException.class).hasMessageContaining("10 bytes, not the 100 announced");
        }
    }

    @Test
    void aBodyThatFailsToReadClosesTheConnection() throws Exception {
        java.io.InputStream failing = new java.io.InputStream() {
            int left = 200_000;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    throw new IOException("disk gone");
                }
                int n = Math.min(len, left);
                left -= n;
                return n;
            }
        };
        try (Http1Client http = connect(t.port())) {
            assertThatThrownBy(() -> http.exchange(HttpMethod.POST, "/v1/assets", Map.of(), failing, 400_000,
                    java.io.OutputStream.nullOutputStream(), Duration.ofSeconds(30))).isInstanceOf(IOException.class)
                    .hasMessage("disk gone");
            assertThatThrownBy(() -> http.send(HttpMethod.GET, "/healthz", Map.of(), new byte[0], Duration.ofSeconds(5)))
                    .isInstanceOf(IOException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void aServerThatHangsUpOrNeverAnswersFailsTheRequestClearly() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            try (Http1Client http = connect(server.getLocalPort()); Socket accepted = server.accept()) {
                assertThat(accepted.isConnected()).isTrue(); // accepted, and never answers
                assertThatThrownBy(() -> http.send(HttpMethod.GET, "/", Map.of(), new byte[0], Duration.ofMillis(300)))
                        .isInstanceOf(TimeoutException.class).hasMessageContaining("no response");
                assertThatThrownBy(() -> http.send(HttpMethod.GET, "/", Map.of(), new byte[0], Duration.ofSeconds(5)))
                        .isInstanceOf(IOException.class).hasMessageContaining("closed"); // the timeout closed it
            }
            try (Http1Client http = connect(server.getLocalPort())) {
                server.accept().close(); // hangs up before any request: the send finds the connection gone, or sees it go
                assertThatThrownBy(() -> http.send(HttpMethod.GET, "/", Map.of(), new byte[0], Duration.ofSeconds(5)))
                        .isInstanceOf(IOException.class).hasMessageContaining("closed");
            }
        }
    }

    @Test
    void aResponseLargerThanTheLimitFailsInsteadOfBeingBuffered() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
                Http1Client http = new Http1Client(loop, new InetSocketAddress("127.0.0.1", server.getLocalPort()), 1024);
                Socket accepted = server.accept()) {
            accepted.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + "x".repeat(5000))
                    .getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> http.send(HttpMethod.GET, "/", Map.of(), new byte[0], Duration.ofSeconds(5)))
                    .isInstanceOf(IOException.class);
        }
    }
}
