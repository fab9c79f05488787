package io.stoq.fragmint.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.RawHttp;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.DataSize;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 listener bounds a client as the REST listener does, with the same guards: a request
 * head that trickles in is cut by the header timeout, an upload below the minimum rate is cut
 * even though every byte arrives quickly (and stores nothing), and one address cannot hold more
 * than its share of connections. Each of these held the old S3-only listener for the idle
 * timeout, or for ever.
 */
@Timeout(120)
class S3ListenerGuardsTest {
    static final Duration HEADER = Duration.ofSeconds(2);
    static final ApiServerConfig.MinRate MIN_RATE = new ApiServerConfig.MinRate(DataSize.ofKiB(8), Duration.ofSeconds(2));
    static S3TestGateway gw;
    static S3Client alice;

    @BeforeAll
    static void start() throws Exception {
        S3Config base = S3Config.loopback();
        gw = new S3TestGateway(base.withLimits(base.limits().withUploadMinRate(MIN_RATE).withConnections(512, 4))
                .withTimeouts(base.timeouts().withHeader(HEADER)));
        alice = gw.client("alice");
        alice.createBucket(b -> b.bucket("guarded"));
    }

    @AfterAll
    static void stop() throws Exception {
        alice.close();
        gw.close();
    }

    private static RawHttp connect() throws Exception {
        RawHttp c = new RawHttp(gw.server.port());
        c.socket.setSoTimeout(20_000); // far above every bound under test, far below the idle timeout (60 s)
        return c;
    }

    @Test
    void aTricklingRequestHeadIsCutByTheHeaderTimeout() throws Exception {
        try (RawHttp silent = connect(); RawHttp slowloris = connect()) {
            slowloris.send("GET /guarded HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            try (AutoCloseable trickle = slowloris.trickle(new byte[] {'a'}, Duration.ofMillis(50))) {
                assertThat(slowloris.closedWithoutAnswer()).isTrue();
                assertThat(silent.closedWithoutAnswer()).as("a connection that never sends a head").isTrue();
            }
        }
    }

    @Test
    void anUploadBelowTheMinimumRateIsCutAndStoresNothing() throws Exception {
        URL url;
        try (S3Presigner presigner = gw.presigner("alice")) {
            url = presigner.presignPutObject(p -> p.signatureDuration(Duration.ofMinutes(5))
                    .putObjectRequest(r -> r.bucket("guarded").key("slow.bin"))).url();
        }
        URI u = url.toURI();
        try (RawHttp c = connect()) {
            c.send("PUT " + u.getRawPath() + "?" + u.getRawQuery() + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                    + "\r\nContent-Length: 100000\r\n\r\n");
            // 10 bytes every 100 ms: a byte never waits long, but 100 B/s is far below 4 KiB/s.
            try (AutoCloseable trickle = c.trickle(new byte[10], Duration.ofMillis(100))) {
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.text()).contains("<Code>IncompleteBody</Code>").contains("too slow");
            }
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> alice.headObject(h -> h.bucket("guarded").key("slow.bin")))
                .isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void oneAddressHoldsAtMostItsShareOfConnections() throws Exception {
        RawHttp[] held = new RawHttp[4];
        try {
            for (int i = 0; i < held.length; i++) {
                held[i] = connect();
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.server.openConnections() == 4);
            try (RawHttp fifth = connect()) {
                assertThat(fifth.closedWithoutAnswer()).as("the fifth connection from one address").isTrue();
            }
        } finally {
            for (RawHttp c : held) {
                if (c != null) {
                    c.close();
                }
            }
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.server.openConnections() == 0);
        alice.headBucket(b -> b.bucket("guarded")); // the slots came back
    }
}
