package io.stoq.fragmint.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3FrameToHttpObjectCodec;
import io.netty.handler.codec.quic.BoringSSLContextOption;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.stoq.quic.QuicTransport;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty's HTTP/3 client for the FragMint API, used by {@code stoq bench node} and by the tests of
 * both modules: one QUIC connection, one request stream per call, request bodies streamed from an
 * InputStream with at most {@link RequestBodies#WRITE_HIGH} bytes queued ahead of the transport, response bodies
 * streamed into an OutputStream on the connection's event loop (so flow-control credit goes back
 * as soon as a packet is read). Trusts
 * exactly the server's certificate. Its UDP socket is the server's kind ({@link QuicTransport}:
 * epoll with GSO/GRO on Linux unless told otherwise), so a benchmark's client does not cost more
 * per byte than the node it measures.
 */
public final class Http3Client implements AutoCloseable {
    /** QUIC receive windows the client grants (per stream, per connection): the server's defaults. */
    static final long STREAM_WINDOW = 4L << 20;
    static final long CONNECTION_WINDOW = 64L << 20;

    /** The client's own socket: loopback, as the servers it talks to in benchmarks and tests. */
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 0);

    private final QuicTransport transport;
    private final EventLoopGroup group;
    private final Channel udp;
    private final QuicChannel quic;

    /** A response: status, headers, and how many body bytes went to the sink. */
    public record Result(int status, Map<String, String> headers, long bodyBytes) {}

    public Http3Client(int port, X509Certificate trusted) throws Exception {
        this(port, trusted, new String[] {"X25519MLKEM768", "X25519"});
    }

    public Http3Client(int port, X509Certificate trusted, String[] groups) throws Exception {
        this(port, trusted, groups, QuicTransport.choose(true, QuicTransport.autoMaxUdpPayload(LOCAL.getAddress())),
                QuicCongestionControlAlgorithm.CUBIC);
    }

    /**
     * @param transport the UDP socket's kind ({@link QuicTransport#nio()} to test the fallback)
     * @param congestion quiche's congestion controller for what this client sends (uploads)
     */
    public Http3Client(int port, X509Certificate trusted, String[] groups, QuicTransport transport,
            QuicCongestionControlAlgorithm congestion) throws Exception {
        this.transport = transport;
        this.group = transport.newGroup(1, "http3-client");
        QuicSslContext ssl = QuicSslContextBuilder.forClient().trustManager(trusted)
                .applicationProtocols(Http3.supportedApplicationProtocols())
                .option(BoringSSLContextOption.GROUPS, groups)
                .build();
        io.netty.channel.ChannelHandler codec = transport.packetSizes(Http3.newQuicClientCodecBuilder())
                .sslContext(ssl)
                .sslEngineProvider(q -> ssl.newEngine(q.alloc(), "localhost", port))
                .maxIdleTimeout(60, TimeUnit.SECONDS)
                .initialMaxData(CONNECTION_WINDOW)
                .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
                .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
                .congestionControlAlgorithm(congestion)
                .build();
        try {
            udp = transport.bind(group, codec, LOCAL);
            quic = transport.segmentedSends(QuicChannel.newBootstrap(udp)).handler(new Http3ClientConnectionHandler())
                    .remoteAddress(new InetSocketAddress("127.0.0.1", port)).connect().get(10, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The UDP transport this client runs on. */
    public QuicTransport transport() {
        return transport;
    }

    /** The TLS key-exchange group negotiated, as BoringSSL names it (null if unknown). */
    public QuicChannel connection() {
        return quic;
    }

    public Result exchange(String method, String path, Map<String, String> headers, InputStream body, long length,
            OutputStream sink) throws Exception {
        CompletableFuture<Result> done = new CompletableFuture<>();
        QuicStreamChannel stream = Http3.newRequestStream(quic, new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
                ch.pipeline().addLast(new Http3FrameToHttpObjectCodec(false));
                ch.pipeline().addLast(new SimpleChannelInboundHandler<HttpObject>() {
                    int status;
                    Map<String, String> h = new java.util.HashMap<>();
                    long n;

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
                        if (msg instanceof HttpResponse r) {
                            status = r.status().code();
                            r.headers().forEach(e -> h.put(e.getKey().toLowerCase(), e.getValue()));
                        }
                        if (msg instanceof HttpContent c) {
                            int len = c.content().readableBytes();
                            c.content().readBytes(sink, len);
                            n += len;
                            if (msg instanceof LastHttpContent) {
                                done.complete(new Result(status, h, n));
                            }
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        done.completeExceptionally(new java.io.IOException("stream closed before the response ended"));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        done.completeExceptionally(cause);
                        ctx.close();
                    }
                });
            }
        }).get(10, TimeUnit.SECONDS);
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), path);
        req.headers().set(HttpHeaderNames.HOST, "localhost");
        headers.forEach(req.headers()::set);
        if (body != null) {
            req.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        stream.writeAndFlush(req);
        if (body != null) {
            RequestBodies.write(stream, body);
        }
        stream.writeAndFlush(new DefaultLastHttpContent());
        return done.get(30, TimeUnit.MINUTES);
    }

    @Override
    public void close() {
        quic.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
