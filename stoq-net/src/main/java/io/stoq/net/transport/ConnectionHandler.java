package io.stoq.net.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.stoq.net.NetErrorCode;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection-level events of one {@link PeerSession}: the handshake deadline (set when the
 * connection becomes active; a connection not authenticated by then is closed with
 * HANDSHAKE_TIMEOUT), the peer's close code, new stream credit, and the end of the connection.
 * Runs on the connection's event loop.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    private final PeerSession session;
    private boolean deadlineSet;

    ConnectionHandler(PeerSession session) {
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            setDeadline(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        setDeadline(ctx);
        ctx.fireChannelActive();
    }

    private void setDeadline(ChannelHandlerContext ctx) {
        if (deadlineSet) {
            return;
        }
        deadlineSet = true;
        long millis = session.context().config().handshakeTimeout().toMillis();
        ctx.executor().schedule(() -> {
            if (session.state() == PeerSession.State.HANDSHAKING) {
                session.refuse(NetErrorCode.HANDSHAKE_TIMEOUT, "the STOQ handshake did not finish within " + millis + " ms");
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof QuicConnectionCloseEvent close) {
            session.closedByPeer(close.isApplicationClose(), close.error(), reasonOf(close));
        } else if (evt instanceof QuicStreamLimitChangedEvent) {
            session.streamLimitChanged();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The close reason; Netty 4.2.18's {@code reason()} throws when the peer sent none, so that reads as empty. */
    private static byte[] reasonOf(QuicConnectionCloseEvent close) {
        try {
            return close.reason();
        } catch (NullPointerException e) {
            return new byte[0];
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("connection {} failed", session, cause);
        ctx.close();
    }
}
