package io.stoq.net.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicChannel;
import io.stoq.net.NetErrorCode;
import io.stoq.net.handshake.Role;
import java.net.InetSocketAddress;

/**
 * Sets up each new QUIC connection: a {@link PeerSession} in the channel's attributes, counted
 * against the connection limits, or, past a limit, an immediate close with TOO_MANY_CONNECTIONS.
 * One instance serves every incoming connection ({@code remote} null: taken from the channel);
 * an outgoing connection gets its own with the address dialled.
 */
@ChannelHandler.Sharable
final class ConnectionInit extends ChannelInitializer<QuicChannel> {
    private final TransportContext ctx;
    private final Role role;
    /** The connection this initialised (set on its event loop at registration), for a dial given up before it connected. */
    private volatile QuicChannel channel;
    private final InetSocketAddress remote;

    ConnectionInit(TransportContext ctx, Role role, InetSocketAddress remote) {
        this.ctx = ctx;
        this.role = role;
        this.remote = remote;
    }

    /** The connection once registered, else null. */
    QuicChannel channel() {
        return channel;
    }

    @Override
    protected void initChannel(QuicChannel ch) {
        InetSocketAddress address = remote != null ? remote : (InetSocketAddress) ch.remoteSocketAddress();
        channel = ch;
        PeerSession session = new PeerSession(ctx, ch, role, address);
        if (!ctx.registry().reserve(session)) {
            ctx.metrics().refused(NetErrorCode.TOO_MANY_CONNECTIONS, String.valueOf(address), "connection limit reached");
            ch.close(true, NetErrorCode.TOO_MANY_CONNECTIONS.wireCode(),
                    Unpooled.wrappedBuffer("connection limit reached".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            return;
        }
        ctx.metrics().connectionOpened();
        // channelInactive alone would miss a dial the peer never answered: it never became active
        ch.closeFuture().addListener(f -> session.closed());
        ch.attr(PeerSession.KEY).set(session);
        ch.pipeline().addLast("session", new ConnectionHandler(session));
    }
}
