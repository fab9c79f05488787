package io.stoq.net.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.stoq.net.PacketFilter;

/**
 * Sits between a transport's UDP socket and its QUIC codec and drops the datagrams its
 * {@link PacketFilter} names, both ways: a dropped incoming datagram is released unread, a
 * dropped outgoing one is released and reported sent (as a lossy link would). Installed only
 * when a test gives the transport a filter.
 */
final class PacketDropper extends ChannelDuplexHandler {
    private final PacketFilter filter;

    PacketDropper(PacketFilter filter) {
        this.filter = filter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket p && filter.drops(p.sender())) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof DatagramPacket p && filter.drops(p.recipient())) {
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
            return;
        }
        ctx.write(msg, promise);
    }
}
