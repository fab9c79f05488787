package io.stoq.fragmint;

import io.stoq.fragmint.client.Http3Client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3FrameToHttpObjectCodec;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.stoq.fragmint.http.ApiServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * At most {@code maxStreamsPerConnection} concurrent request streams per connection: HTTP/2
 * advertises it in SETTINGS and refuses a stream beyond it (RST_STREAM REFUSED_STREAM), even from
 * a client that ignores the setting; HTTP/3 grants only that many bidirectional QUIC streams
 * (QUIC's MAX_STREAMS: a peer that opens more breaks the transport rules and is closed by it).
 */
class StreamLimitsTest {
    static final int STREAMS = 3;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        ApiServerConfig base = ApiServerConfig.defaults().withPorts(0, 0);
        t = new TestServer(base.withLimits(base.limits().withMaxStreamsPerConnection(STREAMS)));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    /** One HTTP/2 frame as read off the wire. */
    record Frame(int type, int flags, int stream, byte[] payload) {}

    static void writeFrame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
            (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
        out.flush();
    }

    static Frame readFrame(DataInputStream in) throws IOException {
        byte[] h = new byte[9];
        in.readFully(h);
        int length = ((h[0] & 0xff) << 16) | ((h[1] & 0xff) << 8) | (h[2] & 0xff);
        int stream = ((h[5] & 0x7f) << 24) | ((h[6] & 0xff) << 16) | ((h[7] & 0xff) << 8) | (h[8] & 0xff);
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(h[3] & 0xff, h[4] & 0xff, stream, payload);
    }

    /** HPACK integer with an n-bit prefix (RFC 7541 s.5.1). */
    static void hpackInt(ByteArrayOutputStream out, int first, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.write(first | value);
            return;
        }
        out.write(first | max);
        value -= max;
        while (value >= 128) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    static void hpackString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        hpackInt(out, 0, 7, b.length);
        out.writeBytes(b);
    }

    /** An upload's request head whose body never comes: the stream stays open on the server. */
    static byte[] uploadHead() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x83); // :method POST
        b.write(0x86); // :scheme http
        hpackInt(b, 0x00, 4, 4); // :path, literal without indexing, name index 4
        hpackString(b, "/v1/assets");
        hpackInt(b, 0x00, 4, 1); // :authority
        hpackString(b, "127.0.0.1");
        for (String[] h : new String[][] {{"authorization", "Bearer " + t.keys.get("alice")},
                {"content-type", "application/octet-stream"}, {"content-length", "1000"}}) {
            b.write(0x00); // literal without indexing, new name
            hpackString(b, h[0]);
            hpackString(b, h[1]);
        }
        return b.toByteArray();
    }

    @Test
    void http2RefusesAStreamBeyondTheCapEvenFromAClientThatIgnoresIt() throws Exception {
        try (Socket s = new Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            writeFrame(out, 0x4, 0, 0, new byte[0]);
            Frame settings = readFrame(in);
            assertThat(settings.type()).isEqualTo(0x4);
            Map<Integer, Long> params = new HashMap<>();
            for (int i = 0; i + 6 <= settings.payload().length; i += 6) {
                byte[] p = settings.payload();
                params.put(((p[i] & 0xff) << 8) | (p[i + 1] & 0xff), ((p[i + 2] & 0xffL) << 24) | ((p[i + 3] & 0xffL) << 16)
                        | ((p[i + 4] & 0xffL) << 8) | (p[i + 5] & 0xffL));
            }
            assertThat(params).containsEntry(0x3, (long) STREAMS); // SETTINGS_MAX_CONCURRENT_STREAMS
            writeFrame(out, 0x4, 0x1, 0, new byte[0]); // ACK theirs: the limit is now in force
            for (int i = 0; i <= STREAMS; i++) {
                writeFrame(out, 0x1, 0x4, 1 + 2 * i, uploadHead()); // HEADERS, END_HEADERS, no END_STREAM
            }
            int refused = 1 + 2 * STREAMS;
            List<Frame> seen = new ArrayList<>();
            Frame f;
            do {
                f = readFrame(in);
                seen.add(f);
            } while (!(f.type() == 0x3 || f.type() == 0x7)); // RST_STREAM or GOAWAY
            assertThat(f.type()).as("frames: %s", seen).isEqualTo(0x3);
            assertThat(f.stream()).isEqualTo(refused);
            int code = ((f.payload()[0] & 0xff) << 24) | ((f.payload()[1] & 0xff) << 16) | ((f.payload()[2] & 0xff) << 8)
                    | (f.payload()[3] & 0xff);
            assertThat(code).as("REFUSED_STREAM").isEqualTo(0x7);
            assertThat(seen).noneMatch(x -> x.type() == 0x1 && x.stream() < refused)
                    .as("the streams within the cap are still open, waiting for their bodies");
        }
    }

    @Test
    void http3GrantsOnlyTheCapInBidirectionalStreams() throws Exception {
        try (Http3Client h3 = new Http3Client(t.server.http3Port(), t.server.certificate())) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                    h3.connection().peerAllowedStreams(QuicStreamType.BIDIRECTIONAL), v -> v == STREAMS);
            List<QuicStreamChannel> open = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                QuicStreamChannel s = Http3.newRequestStream(h3.connection(), new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        ch.pipeline().addLast(new Http3FrameToHttpObjectCodec(false));
                    }
                }).get(10, TimeUnit.SECONDS);
                DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/assets");
                req.headers().set("host", "localhost").set("authorization", "Bearer " + t.keys.get("alice"))
                        .set("content-type", "application/octet-stream").set("content-length", "1000");
                s.writeAndFlush(req).sync();
                open.add(s);
            }
            assertThat(h3.connection().peerAllowedStreams(QuicStreamType.BIDIRECTIONAL)).isZero();
            assertThatThrownBy(() -> h3.exchange("GET", "/healthz", Map.of(), null, 0, new ByteArrayOutputStream()))
                    .hasMessageContaining("STREAM_LIMIT");
            for (QuicStreamChannel s : open) {
                s.close().sync();
            }
        }
    }
}
