package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.http.ApiServerConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

            try (SlowClients load = SlowClients.start(t.server.port(), alice, bigId, STALLED_DOWNLOADS, TRICKLING_UPLOADS)) {
                SlowClients.expectAnsweredThreeTimes(
                        () -> t.send(t.request("/v1/me", "rita").timeout(Duration.ofSeconds(10)).build()),
                        () -> t.send(t.request("/v1/assets/" + smallId + "/content", "rita").timeout(Duration.ofSeconds(10)).build()),
                        small, Duration.ofSeconds(30));
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
