package io.stoq.fragmint.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
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
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;

/**
 * Channel pipelines. One TCP port speaks HTTP/1.1, h2c by prior knowledge and h2c by
 * {@code Upgrade}; the UDP port speaks HTTP/3. Every request stream ends in a
 * {@link RequestHandler}, so the router never knows the protocol.
 *
 * <pre>
 * TCP:  idle | CleartextHttp2ServerUpgradeHandler(HttpServerCodec, HttpServerUpgradeHandler) | 100-continue | RequestHandler(h1)
 *         `-- h2: Http2FrameCodec | Http2MultiplexHandler -> per stream: Http2StreamFrameToHttpObjectCodec | RequestHandler(h2)
 * UDP:  QUIC codec -> per connection: Http3ServerConnectionHandler -> per stream: Http3FrameToHttpObjectCodec | RequestHandler(h3)
 * </pre>
 */
final class Pipelines {
    /** Outbound buffer marks: writers pause above 1 MiB and resume below 256 KiB. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private Pipelines() {}

    static ChannelInitializer<SocketChannel> tcp(Dispatcher dispatcher, ApiServerConfig config) {
        int maxHeader = (int) config.maxHeaderSize().bytes();
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.config().setWriteBufferWaterMark(WATER_MARK);
                HttpServerCodec source = new HttpServerCodec(new HttpDecoderConfig()
                        .setMaxHeaderSize(maxHeader).setMaxInitialLineLength(8192)
                        .setMaxChunkSize(64 * 1024));
                HttpServerUpgradeHandler.UpgradeCodecFactory factory = protocol ->
                        AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                ? new Http2ServerUpgradeCodec(http2Codec(maxHeader),
                                        new Http2MultiplexHandler(h2Stream(dispatcher)))
                                : null;
                HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(source, factory,
                        (int) config.maxJsonBody().bytes()) {
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
                    public void handlerAdded(io.netty.channel.ChannelHandlerContext ctx) {
                        ctx.pipeline().addAfter(ctx.name(), "h2-codec", http2Codec(maxHeader));
                        ctx.pipeline().addAfter("h2-codec", "h2-multiplex", new Http2MultiplexHandler(h2Stream(dispatcher)));
                        ctx.pipeline().remove(this);
                    }
                };
                ch.pipeline().addLast(new IdleStateHandler(0, 0, config.idleTimeout().toMillis(),
                        TimeUnit.MILLISECONDS));
                ch.pipeline().addLast(new CleartextHttp2ServerUpgradeHandler(source, upgrade, priorKnowledge));
                ch.pipeline().addLast(expectContinue(dispatcher));
                ch.pipeline().addLast(new RequestHandler(dispatcher, HttpExchange.Protocol.HTTP_1_1));
            }
        };
    }

    /** Answers {@code Expect: 100-continue}: see {@link ExpectContinueHandler}. */
    private static ChannelHandler expectContinue(Dispatcher dispatcher) {
        return new ExpectContinueHandler(dispatcher);
    }

    private static io.netty.handler.codec.http2.Http2FrameCodec http2Codec(int maxHeader) {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxHeaderListSize(maxHeader)
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

    static ChannelInitializer<QuicChannel> quicConnection(Dispatcher dispatcher, ApiServerConfig config) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(QuicChannel ch) {
                io.netty.handler.codec.http3.DefaultHttp3SettingsFrame settings =
                        new io.netty.handler.codec.http3.DefaultHttp3SettingsFrame();
                settings.put(io.netty.handler.codec.http3.Http3SettingsFrame.HTTP3_SETTINGS_MAX_FIELD_SECTION_SIZE,
                        config.maxHeaderSize().bytes());
                ch.pipeline().addLast(new Http3ServerConnectionHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel s) {
                        s.config().setWriteBufferWaterMark(WATER_MARK);
                        s.pipeline().addLast(new Http3FrameToHttpObjectCodec(true));
                        s.pipeline().addLast(new RequestHandler(dispatcher, HttpExchange.Protocol.H3));
                    }
                }, null, null, settings, true));
            }
        };
    }
}
