package io.stoq.net.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.stoq.net.NetErrorCode;

/**
 * Decides what a stream the peer opened may be: the server's handshake stream (stream 0, while
 * handshaking), a request stream (only once the peer is verified), or nothing: a request stream
 * before authentication is answered UNAUTHENTICATED and closed, the connection left to its
 * handshake. Unidirectional streams are not part of version 1 and are closed.
 */
@ChannelHandler.Sharable
final class IncomingStreams extends ChannelInitializer<QuicStreamChannel> {
    private final TransportContext ctx;

    IncomingStreams(TransportContext ctx) {
        this.ctx = ctx;
    }

    @Override
    protected void initChannel(QuicStreamChannel ch) {
        PeerSession session = PeerSession.of(ch.parent());
        if (session == null || ch.type() != QuicStreamType.BIDIRECTIONAL) {
            ch.close();
            return;
        }
        if (session.claimHandshakeStream(ch)) {
            StreamInit.framing(ch, ctx);
            ch.pipeline().addLast("handshake", new ServerHandshake(session));
            return;
        }
        StreamInit.framing(ch, ctx);
        StreamIo io = new StreamIo(ch, ctx.config().requestTimeout(), ctx.metrics());
        if (!session.acceptsRequests()) {
            ch.pipeline().addLast("io", io);
            // After the pipeline is set up, so the ERROR frame goes through the encoder.
            ch.eventLoop().execute(() -> io.fail(NetErrorCode.UNAUTHENTICATED,
                    "no request is served before the STOQ handshake has finished"));
            return;
        }
        ch.pipeline().addLast("start", new RequestStart(session, io));
        ch.pipeline().addLast("io", io);
    }
}
