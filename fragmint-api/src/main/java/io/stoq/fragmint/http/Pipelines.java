package io.stoq.fragmint.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http3.Http3FrameToHttpObjectCodec;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;

/**
 * Channel pipelines. The TCP port speaks either HTTPS (HTTP/1.1 and HTTP/2 chosen by ALPN) or,
 * when TLS is off, plain HTTP/1.1 with h2c by prior knowledge and by {@code Upgrade}; the UDP port
 * speaks HTTP/3. Every request stream ends in a {@link RequestHandler}, so the router never knows
 * the protocol. Every connection starts with the {@link ConnectionLimiter} and the raw-bytes side
 * of its {@link HeaderTimeout}.
 *
 * <pre>
 * TCP+TLS: limit | head-clock | idle | TLS | ALPN
 *            |-- http/1.1: HttpServerCodec | head-stop | 100-continue | RequestHandler(h1)
 *            `-- h2: Http2FrameCodec | Http2MultiplexHandler -> per stream: Http2StreamFrameToHttpObjectCodec | RequestHandler(h2)
 * TCP:     limit | head-clock | idle | CleartextHttp2ServerUpgradeHandler(HttpServerCodec, HttpServerUpgradeHandler) | head-stop | 100-continue | RequestHandler(h1)
 *            `-- h2c: Http2FrameCodec | Http2MultiplexHandler -> per stream as above
 * UDP:     QUIC codec (retry tokens) -> per connection: limit | Http3ServerConnectionHandler
 *            -> per stream: Http3FrameToHttpObjectCodec | head-stop (clock starts with the stream) | RequestHandler(h3)
 * </pre>
 */
final class Pipelines {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Pipelines.class);
    /** Outbound buffer marks: writers pause above 1 MiB and resume below 256 KiB. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private Pipelines() {}

    /**
     * @param tls the TCP TLS context (ALPN h2, http/1.1), or null for plain HTTP and h2c
     */
    static ChannelInitializer<SocketChannel> tcp(Dispatcher dispatcher, ApiServerConfig config,
            ConnectionLimiter limiter, ApiMetrics metrics, SslContext tls) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.config().setWriteBufferWaterMark(WATER_MARK);
                HeaderTimeout headers = new HeaderTimeout(config.timeouts().header(), metrics);
                ChannelPipeline p = ch.pipeline();
                p.addLast("limit", limiter);
                p.addLast("head-clock", headers.bytes());
                p.addLast("idle", new IdleStateHandler(0, 0, config.timeouts().idle().toMillis(), TimeUnit.MILLISECONDS));
                if (tls != null) {
                    p.addLast("tls", tls.newHandler(ch.alloc()));
                    p.addLast("alpn", new Alpn(dispatcher, config, headers));
                } else {
                    cleartext(p, dispatcher, config, headers);
                }
            }
        };
    }

    /** Picks HTTP/2 or HTTP/1.1 once the TLS handshake has agreed on one (HTTP/1.1 without ALPN). */
    private static final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final Dispatcher dispatcher;
        private final ApiServerConfig config;
        private final HeaderTimeout headers;

        Alpn(Dispatcher dispatcher, ApiServerConfig config, HeaderTimeout headers) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.dispatcher = dispatcher;
            this.config = config;
            this.headers = headers;
        }

        /** A failed handshake (a port scanner, plain HTTP on the TLS port) is routine, not a warning. */
        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            ChannelPipeline p = ctx.pipeline();
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                headers.off();
                p.addLast(http2Codec(config));
                p.addLast(new Http2MultiplexHandler(h2Stream(dispatcher)));
                p.addLast(new CloseOnIdle());
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                p.addLast(http1Codec(config));
                p.addLast("head-stop", headers.heads(false));
                p.addLast(expectContinue(dispatcher));
                p.addLast(new RequestHandler(dispatcher, HttpExchange.Protocol.HTTP_1_1));
            } else {
                ctx.close();
            }
        }
    }

    /**
     * Closes an HTTP/2 connection idle for the idle timeout with no stream open (HTTP/1.1's
     * RequestHandler does it there): a stream the node is still working on keeps it, as on HTTP/1.1.
     */
    private static final class CloseOnIdle extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
                closeIfIdle(ctx, false);
                return;
            }
            super.userEventTriggered(ctx, evt);
        }
    }

    /**
     * Closes the connection on the idle timeout unless a request is in progress on it (an HTTP/1.1
     * exchange, or an open HTTP/2 stream once h2 or h2c took over the pipeline): a request the node
     * is still working on keeps its connection.
     */
    static void closeIfIdle(ChannelHandlerContext ctx, boolean requestInProgress) {
        io.netty.handler.codec.http2.Http2FrameCodec h2 = ctx.pipeline().get(io.netty.handler.codec.http2.Http2FrameCodec.class);
        if (!requestInProgress && (h2 == null || h2.connection().numActiveStreams() == 0)) {
            ctx.close();
        }
    }

    private static HttpServerCodec http1Codec(ApiServerConfig config) {
        return new HttpServerCodec(new HttpDecoderConfig()
                .setMaxHeaderSize((int) config.limits().maxHeaderSize().bytes()).setMaxInitialLineLength(8192)
                .setMaxChunkSize(64 * 1024));
    }

    private static void cleartext(ChannelPipeline p, Dispatcher dispatcher, ApiServerConfig config,
            HeaderTimeout headers) {
        HttpServerCodec source = http1Codec(config);
        HttpServerUpgradeHandler.UpgradeCodecFactory factory = protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(http2Codec(config),
                                new Http2MultiplexHandler(h2Stream(dispatcher)))
                        : null;
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(source, factory,
                (int) config.limits().maxJsonBody().bytes()) {
            /**
             * Upgrades only bodiless requests: the upgrade handler must buffer the whole
             * request, so an upload that asks for h2c is served over HTTP/1.1 instead (the
             * client upgrades on a later request).
             */
            @Override
            protected boolean shouldHandleUpgradeRequest(io.netty.handler.codec.http.HttpRequest req) {
                return io.netty.handler.codec.http.HttpUtil.getContentLength(req, 0L) == 0
                        && !io.netty.handler.codec.http.HttpUtil.isTransferEncodingChunked(req)
                        && super.shouldHandleUpgradeRequest(req);
            }
        };
        // Must insert the HTTP/2 handlers where the upgrade handler stood, not at the end of
        // the pipeline (behind the HTTP/1.1 handlers, which would swallow the frames).
        ChannelHandler priorKnowledge = new io.netty.channel.ChannelHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                headers.off();
                ctx.pipeline().addAfter(ctx.name(), "h2-codec", http2Codec(config));
                ctx.pipeline().addAfter("h2-codec", "h2-multiplex", new Http2MultiplexHandler(h2Stream(dispatcher)));
                ctx.pipeline().remove(this);
            }
        };
        p.addLast(new CleartextHttp2ServerUpgradeHandler(source, upgrade, priorKnowledge));
        p.addLast("head-stop", headers.heads(false));
        p.addLast(expectContinue(dispatcher));
        p.addLast(new RequestHandler(dispatcher, HttpExchange.Protocol.HTTP_1_1));
    }

    /** Answers {@code Expect: 100-continue}: see {@link ExpectContinueHandler}. */
    private static ChannelHandler expectContinue(Dispatcher dispatcher) {
        return new ExpectContinueHandler(dispatcher);
    }

    /** HTTP/2 with the header-list cap and at most {@code maxStreamsPerConnection} concurrent streams. */
    private static io.netty.handler.codec.http2.Http2FrameCodec http2Codec(ApiServerConfig config) {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxHeaderListSize(config.limits().maxHeaderSize().bytes())
                        .maxConcurrentStreams(config.limits().maxStreamsPerConnection())
                        .initialWindowSize(1024 * 1024).maxFrameSize(64 * 1024))
                .build();
    }

    private static ChannelInitializer<Http2StreamChannel> h2Stream(Dispatcher dispatcher) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.config().setWriteBufferWaterMark(WATER_MARK);
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                ch.pipeline().addLast(new RequestHandler(dispatcher, HttpExchange.Protocol.H2));
            }
        };
    }

    static ChannelInitializer<QuicChannel> quicConnection(Dispatcher dispatcher, ApiServerConfig config,
            ConnectionLimiter limiter, ApiMetrics metrics) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(QuicChannel ch) {
                io.netty.handler.codec.http3.DefaultHttp3SettingsFrame settings =
                        new io.netty.handler.codec.http3.DefaultHttp3SettingsFrame();
                settings.put(io.netty.handler.codec.http3.Http3SettingsFrame.HTTP3_SETTINGS_MAX_FIELD_SECTION_SIZE,
                        config.limits().maxHeaderSize().bytes());
                ch.pipeline().addLast("limit", limiter);
                ch.pipeline().addLast(new Http3ServerConnectionHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel s) {
                        s.config().setWriteBufferWaterMark(WATER_MARK);
                        s.pipeline().addLast(new Http3FrameToHttpObjectCodec(true));
                        s.pipeline().addLast(new HeaderTimeout(config.timeouts().header(), metrics).heads(true));
                        s.pipeline().addLast(new RequestHandler(dispatcher, HttpExchange.Protocol.H3));
                    }
                }, null, null, settings, true));
            }
        };
    }
}
