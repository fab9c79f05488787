package io.stoq.fragmint;

import io.stoq.fragmint.client.Http3Client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stoq.fragmint.http.ApiServerConfig;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Connection caps, in total and per client address, over TCP and QUIC together: a connection over
 * a cap is closed before anything is read from it, and its slot comes back when a connection
 * closes. (Every test client is 127.0.0.1, so each test sets the cap it checks below the other.)
 */
class ConnectionLimitsTest {
    static TestServer server(int total, int perAddress, boolean http3) throws Exception {
        ApiServerConfig base = ApiServerConfig.defaults().withPorts(0, http3 ? 0 : -1);
        return new TestServer(base.withLimits(base.limits().withConnections(total, perAddress)));
    }

    /**
     * Opens {@code n} connections, each proven registered by one answered request and kept open
     * (a response that says {@code Connection: close} does not count; the server then closes it).
     */
    static List<RawHttp> open(TestServer t, int n) throws Exception {
        List<RawHttp> held = new ArrayList<>();
        while (held.size() < n) {
            RawHttp c = await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
                RawHttp attempt = new RawHttp(t.server.port());
                try {
                    RawHttp.Response r = attempt.get("/healthz", null).read();
                    if (r.status() == 200 && !r.head().toLowerCase(java.util.Locale.ROOT).contains("connection: close")) {
                        return attempt;
                    }
                } catch (java.io.IOException refusedWhileASlotIsReleased) {
                    // retried
                }
                attempt.close();
                return null;
            }, java.util.Objects::nonNull);
            held.add(c);
        }
        return held;
    }

    /** A new connection is served (retried while a closed one's slot is being released). */
    static void servedAgain(TestServer t) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            try (RawHttp again = new RawHttp(t.server.port())) {
                assertThat(again.get("/healthz", null).read().status()).isEqualTo(200);
            }
        });
    }

    @Test
    void perAddressCapClosesTheNextConnectionUntilOneCloses() throws Exception {
        try (TestServer t = server(100, 3, false)) {
            List<RawHttp> held = open(t, 3);
            try (RawHttp refused = new RawHttp(t.server.port())) {
                refused.get("/healthz", null);
                assertThat(refused.closedWithoutAnswer()).isTrue();
            }
            held.remove(0).close();
            servedAgain(t);
            for (RawHttp c : held) {
                c.close();
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(t.metric("fragmint_connections_refused_total{cap=\"per_address\"}")).isGreaterThanOrEqualTo(1));
        }
    }

    @Test
    void totalCapCountsTcpAndQuicTogether() throws Exception {
        try (TestServer t = server(2, 100, true)) {
            List<RawHttp> held = open(t, 1);
            try (Http3Client h3 = new Http3Client(t.server.http3Port(), t.server.certificate())) {
                assertThat(h3.exchange("GET", "/healthz", Map.of(), null, 0, new ByteArrayOutputStream()).status())
                        .isEqualTo(200);
                try (RawHttp refused = new RawHttp(t.server.port())) {
                    refused.get("/healthz", null);
                    assertThat(refused.closedWithoutAnswer()).as("third connection over TCP").isTrue();
                }
                assertThatThrownBy(() -> {
                    try (Http3Client third = new Http3Client(t.server.http3Port(), t.server.certificate())) {
                        third.exchange("GET", "/healthz", Map.of(), null, 0, new ByteArrayOutputStream());
                    }
                }).as("third connection over QUIC").isInstanceOf(Exception.class);
            }
            // The QUIC connection closed: its slot is free again for TCP.
            servedAgain(t);
            held.get(0).close();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(t.metric("fragmint_connections_refused_total{cap=\"total\"}")).isGreaterThanOrEqualTo(2));
        }
    }
}
