package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3FrameToHttpObjectCodec;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.client.Http3Client;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How far an HTTP/3 download runs ahead of a client that stopped reading: the node keeps between
 * its outbound low and high water marks (256 KiB, 1 MiB) queued ahead of QUIC, so a reading client
 * is not left waiting on a worker hand-off, and never more, so a client that stalls costs the node
 * a bounded amount of memory beyond what QUIC's flow control lets it send.
 *
 * <p>The client grants quiche's flow-control window (4 MiB per stream) and then reads nothing, so
 * quiche takes exactly that much of the body; everything the node produced beyond it
 * ({@code fragmint_response_body_bytes_total} counts what the download read from the content and
 * handed to the channel) waits in the node's memory. Before issue 11's fix the node gated on the
 * QUIC stream's writability, which only says whether quiche has room right now and does not count
 * writes still on their way to the event loop: this test measured 3.4 and 5.3 MiB past the window.
 */
@Timeout(120)
class Http3DownloadQueueTest {
    /** Pipelines.WATER_MARK's marks and ResponseWriter.CHUNK (package-private there). */
    static final long HIGH = 1 << 20;
    static final long LOW = 256 << 10;
    static final long CHUNK = 64 * 1024;
    static final long STREAM_WINDOW = 4L << 20;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @Test
    void aStalledDownloadQueuesAtMostTheHighWaterMarkAheadOfQuic() throws Exception {
        byte[] data = SecureRandoms.bytes(24 * 1024 * 1024);
        var created = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(BodyPublishers.ofByteArray(data)).build());
        assertThat(created.statusCode()).isEqualTo(201);
        String id = TestServer.json(created).get("id").asText();
        String series = "fragmint_response_body_bytes_total";

        try (Http3Client client = new Http3Client(t.server.http3Port(), t.server.certificate())) {
            double before = t.metric(series);
            // A client that never reads: not even the response head is consumed, so the node gets
            // exactly the stream's initial window of credit and no more.
            QuicStreamChannel stream = Http3.newRequestStream(client.connection(), new ChannelInitializer<QuicStreamChannel>() {
                @Override
                protected void initChannel(QuicStreamChannel ch) {
                    ch.config().setAutoRead(false);
                    ch.pipeline().addLast(new Http3FrameToHttpObjectCodec(false));
                    // The HTTP/3 frame decoder asks for another read whenever a read completed no
                    // frame: swallow every read request before it reaches the stream.
                    ch.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                        @Override
                        public void read(ChannelHandlerContext ctx) {
                            // never
                        }
                    });
                }
            }).get(10, TimeUnit.SECONDS);
            HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/assets/" + id + "/content");
            req.headers().set(HttpHeaderNames.HOST, "localhost");
            req.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + t.keys.get("alice"));
            stream.writeAndFlush(req).sync();

            // The node sends at least the window (the client granted it), then fills its queue
            // and parks: the count settles (nothing changes for 3 s; a busy machine can pause the
            // transfer for a second before the window is used up, hence not a shorter wait).
            AtomicLong last = new AtomicLong(-1);
            java.util.concurrent.Callable<Long> produced = () -> (long) (t.metric(series) - before);
            await("the window sent").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> produced.call() >= STREAM_WINDOW);
            await("no more bytes produced").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250)).until(() -> {
                        long now = produced.call();
                        return now == last.getAndSet(now);
                    });
            long total = last.get();
            long aheadOfQuic = total - STREAM_WINDOW;
            // The pump parks at the high mark and resumes only below the low one, so when the window
            // closes the queue is left between the two (the window also counts a few hundred bytes
            // of HTTP/3 frame headers, hence the slack below the low mark).
            assertThat(aheadOfQuic).as("bytes produced beyond the client's window: %d of %d", aheadOfQuic, total)
                    .isGreaterThanOrEqualTo(LOW - 4096)
                    .isLessThanOrEqualTo(HIGH + 2 * CHUNK);
            stream.close().sync();
        }
        // The connection and the server go on; a normal download is served whole.
        var again = t.send(t.request("/v1/assets/" + id + "/content", "alice").build());
        assertThat(again.body()).isEqualTo(data);
    }
}
