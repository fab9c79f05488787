package io.stoq.fragmint.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The UDP socket under HTTP/3, server and client alike. QUIC sends one ~1.3 KB packet per
 * datagram, so with Java NIO every packet costs a {@code sendmsg} and a {@code recvmsg} and a trip
 * through the channel pipeline; on the 2-core machine of issue 11 that (and the receive-buffer
 * drops it caused when the reading thread fell behind) held HTTP/3 to a fraction of HTTP/1.1.
 * On Linux this uses Netty's native epoll transport instead, with
 *
 * <ul>
 *   <li>UDP GSO (generic segmentation offload): quiche writes up to {@link #GSO_SEGMENTS} packets of
 *       one connection into one buffer and the kernel cuts it into datagrams, one syscall for all;
 *   <li>UDP GRO (generic receive offload): the kernel hands over consecutive datagrams of one flow
 *       as one buffer (up to {@link #GRO_BUFFER} bytes), which Netty slices back into packets.
 * </ul>
 *
 * Packets on the wire stay the size quiche chose: nothing here changes what a peer or a middlebox
 * sees. Where the native transport is not available (another OS or architecture, or a kernel
 * without {@code UDP_SEGMENT}), or the operator turned it off ({@code api.http3.native-transport}),
 * it falls back to NIO as before; {@link #describe()} says which one runs (logged at start).
 *
 * <p>Immutable; one instance can set up any number of sockets.
 */
public final class QuicTransport {
    /** Most packets quiche coalesces into one GSO send (x 1350 bytes stays under 64 KiB). */
    public static final int GSO_SEGMENTS = 32;
    /** Receive buffer per read with GRO: the largest coalesced datagram the kernel hands over. */
    public static final int GRO_BUFFER = 64 * 1024;
    /** Socket buffers asked for (the kernel caps them at net.core.rmem_max / wmem_max). */
    public static final int SOCKET_BUFFER = 4 << 20;

    private final boolean epoll;
    private final boolean gso;

    private QuicTransport(boolean epoll, boolean gso) {
        this.epoll = epoll;
        this.gso = gso;
    }

    /**
     * The best transport this machine offers, or NIO when {@code preferNative} is false.
     */
    public static QuicTransport choose(boolean preferNative) {
        if (!preferNative || !Epoll.isAvailable()) {
            return new QuicTransport(false, false);
        }
        return new QuicTransport(true, EpollDatagramChannel.isSegmentedDatagramPacketSupported());
    }

    /** Always Java NIO (one syscall per datagram), as HTTP/3 ran before issue 11. */
    public static QuicTransport nio() {
        return new QuicTransport(false, false);
    }

    /** True when the native epoll transport is used. */
    public boolean isNative() {
        return epoll;
    }

    /** True when datagrams are sent with GSO and received with GRO. */
    public boolean segmentOffload() {
        return gso;
    }

    /** For logs: {@code epoll, GSO/GRO}, {@code epoll} or {@code NIO}. */
    public String describe() {
        return epoll ? (gso ? "epoll, GSO/GRO" : "epoll") : "NIO";
    }

    /** An event loop group this transport's datagram channels can be registered with. */
    public EventLoopGroup newGroup(int threads, String threadName) {
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), io);
    }

    /**
     * A bootstrap for one UDP socket on {@code group} (made by {@link #newGroup}): channel class,
     * socket buffers and, with GRO, receive buffers large enough for a coalesced datagram (a
     * smaller one would truncate it).
     */
    public Bootstrap bootstrap(EventLoopGroup group) {
        Bootstrap b = new Bootstrap().group(group)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER);
        if (!epoll) {
            return b.channel(NioDatagramChannel.class);
        }
        b.channel(EpollDatagramChannel.class);
        if (gso) {
            b.option(EpollChannelOption.UDP_GRO, true)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(GRO_BUFFER));
        }
        return b;
    }

    /**
     * What a QUIC connection uses to write several packets in one GSO send (the value of
     * {@code QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR}), or null without GSO.
     */
    public SegmentedDatagramPacketAllocator segmentAllocator() {
        return gso ? EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS) : null;
    }
}
