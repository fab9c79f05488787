package io.stoq.fragmint;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3FrameToHttpObjectCodec;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.stoq.fragmint.client.Http3Client;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What a client that crashes mid-upload does over HTTP/3, for tests of the server's clean-up. */
final class Http3Abandon {
    private Http3Abandon() {}

    /**
     * Sends the head and {@code sent} of {@code declared} body bytes on a new request stream of
     * {@code client}'s connection, then abandons the stream.
     */
    static void abandonUpload(Http3Client client, String path, Map<String, String> headers, byte[] sent, long declared)
            throws Exception {
        QuicStreamChannel stream = Http3.newRequestStream(client.connection(), new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
                ch.pipeline().addLast(new Http3FrameToHttpObjectCodec(false));
            }
        }).get(10, TimeUnit.SECONDS);
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
        req.headers().set(HttpHeaderNames.HOST, "localhost");
        headers.forEach(req.headers()::set);
        req.headers().set(HttpHeaderNames.CONTENT_LENGTH, declared);
        stream.write(req);
        stream.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(sent))).sync();
        Thread.sleep(200); // let the bytes leave before the stream is torn down, as a crash would
        stream.close().sync();
    }
}
