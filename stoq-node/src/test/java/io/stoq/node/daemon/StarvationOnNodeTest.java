package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.SlowClients;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
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

            try (SlowClients load = SlowClients.start(t.node.port(), alice, bigId, 48, 16)) {
                SlowClients.expectAnsweredThreeTimes(
                        () -> t.send(t.request("/v1/me", "rita").timeout(Duration.ofSeconds(20)).build()),
                        () -> t.send(t.request("/v1/assets/" + smallId + "/content", "alice").timeout(Duration.ofSeconds(20)).build()),
                        small, Duration.ofSeconds(60));
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
