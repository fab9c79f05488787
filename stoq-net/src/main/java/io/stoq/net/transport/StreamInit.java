package io.stoq.net.transport;

import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.stoq.net.frame.FrameDecoder;
import io.stoq.net.frame.FrameEncoder;
import java.time.Duration;

/**
 * The pipeline of a stream this node opens: frame decoder, frame encoder, and the
 * {@link StreamIo} the calling thread talks to. Half-closure is on, so the peer's FIN ends only
 * its direction (a request's FIN must not cut off the response).
 */
final class StreamInit extends ChannelInitializer<QuicStreamChannel> {
    private final TransportContext ctx;
    private final Duration timeout;

    StreamInit(TransportContext ctx, Duration timeout) {
        this.ctx = ctx;
        this.timeout = timeout;
    }

    @Override
    protected void initChannel(QuicStreamChannel ch) {
        framing(ch, ctx);
        ch.pipeline().addLast("io", new StreamIo(ch, timeout, ctx.metrics()));
    }

    static void framing(QuicStreamChannel ch, TransportContext ctx) {
        ch.config().setAllowHalfClosure(true);
        ch.pipeline().addLast("decoder", new FrameDecoder(ctx.config().maxFrameBytes()));
        ch.pipeline().addLast("encoder", FrameEncoder.INSTANCE);
    }
}
