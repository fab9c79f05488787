package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.Json;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/2 cleartext by prior knowledge (no Upgrade) on the same TCP port, with Netty's HTTP/2 client. */
class Http2PriorKnowledgeTest {
    static TestServer t;
    static EventLoopGroup group;
    static Channel conn;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer(ApiServerConfig.defaults().withPorts(0, -1));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        conn = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
            }
        }).connect("127.0.0.1", t.server.port()).sync().channel();
    }

    @AfterAll
    static void stop() throws Exception {
        conn.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        t.close();
    }

    record Result(int status, byte[] body) {}

    static Result call(FullHttpRequest req) throws Exception {
        CompletableFuture<Result> done = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(conn).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
                ch.pipeline().addLast(new SimpleChannelInboundHandler<HttpObject>() {
                    int status;
                    final ByteArrayOutputStream body = new ByteArrayOutputStream();

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
                        if (msg instanceof HttpResponse r) {
                            status = r.status().code();
                        }
                        if (msg instanceof HttpContent c) {
                            c.content().readBytes(body, c.content().readableBytes());
                            if (msg instanceof LastHttpContent) {
                                done.complete(new Result(status, body.toByteArray()));
                            }
                        }
                    }
                });
            }
        }).open().sync().getNow();
        stream.writeAndFlush(req);
        return done.get(30, TimeUnit.SECONDS);
    }

    static FullHttpRequest request(HttpMethod m, String path, byte[] body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, path, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.HOST, "127.0.0.1");
        r.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + t.keys.get("alice"));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        r.headers().set("x-http2-scheme", "http");
        return r;
    }

    @Test
    void abandonedUploadLeavesNothing() throws Exception {
        int before = t.node.assets.assetCount();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(conn).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
            }
        }).open().sync().getNow();
        io.netty.handler.codec.http.HttpRequest head = new io.netty.handler.codec.http.DefaultHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/assets");
        head.headers().set(HttpHeaderNames.HOST, "127.0.0.1");
        head.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + t.keys.get("alice"));
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 1_000_000);
        head.headers().set("x-http2-scheme", "http");
        stream.write(head);
        stream.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                Unpooled.wrappedBuffer(SecureRandoms.bytes(200_000)))).sync();
        Thread.sleep(200);
        stream.close().sync(); // RST_STREAM mid-body
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(t.node.accounts.auditRecords()).anySatisfy(r -> {
                    assertThat(r.operation()).isEqualTo("createAsset");
                    assertThat(r.status()).isEqualTo(400);
                }));
        assertThat(t.node.assets.assetCount()).isEqualTo(before);
        assertThat(t.node.assets.stagingFiles()).isZero();
        assertThat(call(request(HttpMethod.GET, "/healthz", new byte[0])).status()).isEqualTo(200);
    }

    @Test
    void uploadAndDownloadOverPriorKnowledgeH2() throws Exception {
        assertThat(call(request(HttpMethod.GET, "/healthz", new byte[0])).status()).isEqualTo(200);
        byte[] data = SecureRandoms.bytes(2 * 1024 * 1024 + 3);
        Result up = call(request(HttpMethod.POST, "/v1/assets", data));
        assertThat(up.status()).as(new String(up.body())).isEqualTo(201);
        String id = Json.MAPPER.readTree(up.body()).get("id").asText();
        Result down = call(request(HttpMethod.GET, "/v1/assets/" + id + "/content", new byte[0]));
        assertThat(down.status()).isEqualTo(200);
        assertThat(down.body()).isEqualTo(data);
        Result anon = call(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/me"));
        assertThat(anon.status()).isEqualTo(401);
    }

    /**
     * A response sent before the request body was read (here a 401 to an upload without
     * credentials) is complete, and the stream is then reset with NO_ERROR, which RFC 9113
     * section 8.1 reserves for exactly this: the client stops sending and keeps the response. With
     * CANCEL, a client may drop the response it already has (the JDK's HttpClient did, in CI:
     * "RST_STREAM received Stream cancelled" for a 412 to a stale If-Match).
     */
    @Test
    void anAnswerBeforeTheBodyEndsTheStreamWithNoError() throws Exception {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        CompletableFuture<Boolean> endStream = new CompletableFuture<>();
        CompletableFuture<Long> reset = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(conn).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof io.netty.handler.codec.http2.Http2HeadersFrame h) {
                            status.complete(Integer.parseInt(h.headers().status().toString()));
                            if (h.isEndStream()) {
                                endStream.complete(true);
                            }
                        } else if (msg instanceof io.netty.handler.codec.http2.Http2DataFrame d && d.isEndStream()) {
                            endStream.complete(true);
                        }
                        io.netty.util.ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof io.netty.handler.codec.http2.Http2ResetFrame r) {
                            reset.complete(r.errorCode());
                        }
                    }
                });
            }
        }).open().sync().getNow();
        io.netty.handler.codec.http2.Http2Headers head = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("POST")
                .path("/v1/assets").scheme("http").authority("127.0.0.1");
        head.set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        head.setInt(HttpHeaderNames.CONTENT_LENGTH, 1_000_000);
        stream.write(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(head));
        stream.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[1000]))).sync();
        assertThat(status.get(10, TimeUnit.SECONDS)).isEqualTo(401);
        assertThat(endStream.get(10, TimeUnit.SECONDS)).as("a complete response").isTrue();
        assertThat(reset.get(10, TimeUnit.SECONDS)).isEqualTo(io.netty.handler.codec.http2.Http2Error.NO_ERROR.code());
        assertThat(call(request(HttpMethod.GET, "/healthz", new byte[0])).status()).isEqualTo(200);
    }
}
