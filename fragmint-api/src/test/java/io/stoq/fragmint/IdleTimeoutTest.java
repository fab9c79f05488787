package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.http.ApiServerConfig;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The idle timeout closes connections nobody uses, never one whose request the node itself is
 * still working on: an upload the node holds back (waiting for pipeline memory, with its body
 * unread and the client stopped by flow control) is a quiet connection through no fault of the
 * client. Before this rule, `stoq bench node` with 8 concurrent 1 GiB uploads in a 256 MiB heap
 * lost the uploads that waited longer than `api.idle-timeout` for a chunker buffer: the client
 * saw the connection close without an answer. Client slowness has its own limits (header timeout,
 * minimum upload rate, write-stall timeout).
 */
class IdleTimeoutTest {
    static final Duration IDLE = Duration.ofSeconds(1);
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        ApiServerConfig base = ApiServerConfig.defaults().withPorts(0, -1);
        t = new TestServer(base.withTimeouts(base.timeouts().withIdle(IDLE).withHeader(Duration.ofSeconds(1))));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @Test
    void anUploadTheNodeHoldsLongerThanTheIdleTimeoutIsAnswered() throws Exception {
        byte[] data = SecureRandoms.bytes(96 * 1024);
        t.node.assets.holdBeforeReading(IDLE.multipliedBy(3));
        try (RawHttp c = new RawHttp(t.server.port())) {
            c.send("POST /v1/assets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + t.keys.get("alice")
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + data.length + "\r\n\r\n");
            c.send(data);
            assertThat(c.read().status()).isEqualTo(201);
        } finally {
            t.node.assets.holdBeforeReading(Duration.ZERO);
        }
    }

    @Test
    void aConnectionWithNoRequestIsClosedAfterTheIdleTimeout() throws Exception {
        try (RawHttp c = new RawHttp(t.server.port())) {
            assertThat(c.get("/healthz", null).read().status()).isEqualTo(200);
            // Then nothing: the server closes the keep-alive connection once it has been idle.
            assertThat(c.closedWithoutAnswer()).isTrue();
        }
    }
}
