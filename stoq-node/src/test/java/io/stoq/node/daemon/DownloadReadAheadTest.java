package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stoq.crypto.hash.Sha3;
import io.stoq.shard.codec.CodecPool;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Issue 11, deliverable 2 on a real node: downloads read ahead on the node's codec pool, and a
 * client that goes away mid-download stops its read-ahead cleanly: the memory budget comes back
 * whole, the pool's threads are free, and Netty's leak detector (paranoid in tests) reports no
 * buffer.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DownloadReadAheadTest {
    @Test
    void clientsThatDisconnectMidDownloadLeaveNothingBehind() throws Exception {
        Logger leaks = (Logger) LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector");
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        leaks.addAppender(seen);
        try (TestNode t = new TestNode(Map.of("shard.read-ahead", "8"))) {
            long size = 24L << 20;
            HttpResponse<byte[]> up = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> CorpusGenerator.stream(CorpusKind.RANDOM, size, 9)), size))
                    .build());
            assertThat(up.statusCode()).as(new String(up.body(), StandardCharsets.UTF_8)).isEqualTo(201);
            String id = TestNode.json(up).get("id").asText();
            String expected = Sha3.hash(CorpusGenerator.stream(CorpusKind.RANDOM, size, 9)).toHex();
            CodecPool pool = t.node.assets().codecPool();

            for (int i = 0; i < 8; i++) {
                try (Socket s = new Socket("127.0.0.1", t.node.port())) {
                    OutputStream out = s.getOutputStream();
                    out.write(("GET /v1/assets/" + id + "/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                            + t.keys.get("alice") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    long got = 0;
                    while (got < (256 << 10) * (i + 1)) {
                        int n = in.read(buf);
                        assertThat(n).isPositive();
                        got += n;
                    }
                } // closed mid-body
            }
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.memoryAvailable() == pool.memoryBudget());
            assertThat(pool.submit(() -> 1).get(30, TimeUnit.SECONDS)).isEqualTo(1);

            // the node still serves whole downloads, verified
            for (int i = 0; i < 3; i++) {
                HttpResponse<InputStream> r = t.client.send(t.request("/v1/assets/" + id + "/content", "alice").build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                try (InputStream in = r.body()) {
                    assertThat(Sha3.hash(in).toHex()).isEqualTo(expected);
                }
                System.gc(); // a leaked buffer is reported when a later allocation finds it collected
            }
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.memoryAvailable() == pool.memoryBudget());
        } finally {
            leaks.detachAppender(seen);
        }
        assertThat(seen.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains("LEAK"));
    }
}
