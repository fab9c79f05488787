package io.stoq.quic;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
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
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The UDP socket under every QUIC endpoint of a node: HTTP/3 (server and client) and the STOQ peer
 * transport. QUIC sends one ~1.3 KB packet per
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
 * <p>Packet size: without path MTU discovery QUIC packets stay at {@link #BASE_UDP_PAYLOAD} bytes,
 * which nearly every path carries. With a larger {@code maxUdpPayload}, quiche's path MTU
 * discovery (DPLPMTUD, RFC 8899) starts each connection at 1,200 bytes, probes for bigger packets
 * and uses the largest size the path acknowledged, up to that limit. Most of HTTP/3's cost is per
 * packet (one AEAD seal and open, one header, one ACK entry, one trip through both ends' event
 * loops), so where the path carries them (loopback, a jumbo-frame LAN) large packets cut it
 * several times. Where it does not, this quiche gives up at 1,200 bytes, below the base size
 * ({@code QuicTransportTest}), so discovery pays only where the path is known to be wide:
 * {@link #autoMaxUdpPayload} turns it on for a socket bound to a loopback address and leaves the
 * base size elsewhere unless the operator sets a limit. The probes only tell the truth if the IP
 * layer does not fragment them, so the native socket sets {@code IP_MTU_DISCOVER} /
 * {@code IPV6_MTU_DISCOVER} to {@code PMTUDISC_PROBE} (don't-fragment, regardless of the kernel's
 * cached path MTU), as RFC 9000 section 14 asks. Java NIO cannot set that on Java 17, so over NIO
 * packets stay at the base size.
 *
 * <p>Where the native transport is not available (another OS or architecture, or a kernel without
 * {@code UDP_SEGMENT}), or the operator turned it off ({@code api.quic.native-transport}), it falls
 * back to NIO as before; {@link #describe()} says which one runs (logged at start).
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
    /** The UDP payload every connection starts with, and keeps without path MTU discovery. */
    public static final int BASE_UDP_PAYLOAD = 1350;
    /** A configured packet size limit meaning "choose from the address" ({@link #maxUdpPayloadFor}). */
    public static final int AUTO_MAX_UDP_PAYLOAD = 0;
    /** The largest UDP payload QUIC allows (RFC 9000, max_udp_payload_size). */
    public static final int MAX_UDP_PAYLOAD = 65527;
    /**
     * The limit chosen for a socket on a loopback address (MTU 64 KiB): measured best on the
     * issue 11 machine; from about 20 KB a datagram, bursts overflowed the 4 MiB socket buffers
     * and throughput collapsed (docs/benchmarks.md).
     */
    public static final int LOOPBACK_UDP_PAYLOAD = 16000;
    /** What one GSO send may hold in all: the kernel's limit for one UDP datagram before segmenting. */
    private static final int GSO_BYTES = 65000;

    // IP_MTU_DISCOVER / IPV6_MTU_DISCOVER with PMTUDISC_PROBE (linux/in.h, linux/in6.h): set DF,
    // never fragment, ignore the kernel's cached path MTU.
    private static final IntegerUnixChannelOption IP_MTU_DISCOVER = new IntegerUnixChannelOption("IP_MTU_DISCOVER", 0, 10);
    private static final IntegerUnixChannelOption IPV6_MTU_DISCOVER = new IntegerUnixChannelOption("IPV6_MTU_DISCOVER", 41, 23);
    private static final int PMTUDISC_PROBE = 3;

    private final boolean epoll;
    private final boolean gso;
    private final int maxUdpPayload;

    private QuicTransport(boolean epoll, boolean gso, int maxUdpPayload) {
        requireValidMaxUdpPayload(maxUdpPayload);
        this.epoll = epoll;
        this.gso = gso;
        this.maxUdpPayload = epoll ? maxUdpPayload : BASE_UDP_PAYLOAD;
    }

    /**
     * The best transport this machine offers, or NIO when {@code preferNative} is false, with
     * packets of {@link #BASE_UDP_PAYLOAD} bytes.
     */
    public static QuicTransport choose(boolean preferNative) {
        return choose(preferNative, BASE_UDP_PAYLOAD);
    }

    /**
     * The best transport this machine offers, or NIO when {@code preferNative} is false; with the
     * native one, connections discover their path's MTU up to {@code maxUdpPayload} bytes a packet.
     */
    public static QuicTransport choose(boolean preferNative, int maxUdpPayload) {
        if (!preferNative || !Epoll.isAvailable()) {
            return new QuicTransport(false, false, maxUdpPayload);
        }
        return new QuicTransport(true, EpollDatagramChannel.isSegmentedDatagramPacketSupported(), maxUdpPayload);
    }

    /** Always Java NIO (one syscall per datagram), as HTTP/3 ran before issue 11. */
    public static QuicTransport nio() {
        return new QuicTransport(false, false, BASE_UDP_PAYLOAD);
    }

    /**
     * The packet size limit when the operator set none: {@link #LOOPBACK_UDP_PAYLOAD} for a socket
     * bound to a loopback address (every path it has is loopback), the base size (no discovery)
     * for any other address, the wildcard included.
     */
    public static int autoMaxUdpPayload(InetAddress local) {
        return local.isLoopbackAddress() ? LOOPBACK_UDP_PAYLOAD : BASE_UDP_PAYLOAD;
    }

    /**
     * The packet size limit for a socket bound to {@code local} when the operator configured
     * {@code configured}: {@link #autoMaxUdpPayload} for {@link #AUTO_MAX_UDP_PAYLOAD}, else the
     * configured size, checked.
     *
     * @throws IllegalArgumentException if {@code configured} is neither
     */
    public static int maxUdpPayloadFor(int configured, InetAddress local) {
        return configured == AUTO_MAX_UDP_PAYLOAD ? autoMaxUdpPayload(local) : requireValidMaxUdpPayload(configured);
    }

    /**
     * Checks a packet size limit: {@link #BASE_UDP_PAYLOAD} (no discovery) to {@link #MAX_UDP_PAYLOAD}.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static int requireValidMaxUdpPayload(int maxUdpPayload) {
        if (maxUdpPayload < BASE_UDP_PAYLOAD || maxUdpPayload > MAX_UDP_PAYLOAD) {
            throw new IllegalArgumentException("maxUdpPayload must be " + BASE_UDP_PAYLOAD + ".." + MAX_UDP_PAYLOAD
                    + " bytes, not " + maxUdpPayload);
        }
        return maxUdpPayload;
    }

    /** The largest UDP payload a connection may grow its packets to (the base size over NIO). */
    public int maxUdpPayload() {
        return maxUdpPayload;
    }

    /** True when connections probe for packets larger than the base size. */
    public boolean discoversPathMtu() {
        return maxUdpPayload > BASE_UDP_PAYLOAD;
    }

    /** True when the native epoll transport is used. */
    public boolean isNative() {
        return epoll;
    }

    /** True when datagrams are sent with GSO and received with GRO. */
    public boolean segmentOffload() {
        return gso;
    }

    /** For logs: {@code epoll, GSO/GRO, path MTU up to 16000}, {@code epoll}, {@code NIO} and so on. */
    public String describe() {
        String kind = epoll ? (gso ? "epoll, GSO/GRO" : "epoll") : "NIO";
        return discoversPathMtu() ? kind + ", path MTU up to " + maxUdpPayload : kind;
    }

    /**
     * Packet sizes on a QUIC codec (server or client): accept up to the maximum from the peer and,
     * when the maximum is larger than the base size, discover the path's MTU up to it.
     */
    public <B extends QuicCodecBuilder<B>> B packetSizes(B builder) {
        return builder.maxSendUdpPayloadSize(maxUdpPayload)
                .maxRecvUdpPayloadSize(maxUdpPayload)
                .discoverPmtu(discoversPathMtu());
    }

    /** An event loop group this transport's datagram channels can be registered with. */
    public EventLoopGroup newGroup(int threads, String threadName) {
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), io);
    }

    /**
     * Binds one UDP socket to {@code local} on {@code group} (made by {@link #newGroup}) with
     * {@code handler} (the QUIC codec): socket buffers, receive buffers large enough for a
     * coalesced (GRO) or large datagram (a smaller one would truncate it) and, with path MTU
     * discovery, don't-fragment, checked after the bind: probes that the IP layer may fragment
     * would report sizes the path does not carry.
     *
     * @throws IllegalStateException if the socket refused don't-fragment
     */
    public Channel bind(EventLoopGroup group, ChannelHandler handler, InetSocketAddress local) throws InterruptedException {
        return bind(group, handler, local, SOCKET_BUFFER);
    }

    /** {@link #bind(EventLoopGroup, ChannelHandler, InetSocketAddress)} with socket buffers of {@code socketBufferBytes}. */
    public Channel bind(EventLoopGroup group, ChannelHandler handler, InetSocketAddress local, int socketBufferBytes)
            throws InterruptedException {
        Channel ch = bootstrap(group, local.getAddress(), socketBufferBytes).handler(handler).bind(local).sync().channel();
        if (discoversPathMtu() && !Integer.valueOf(PMTUDISC_PROBE).equals(ch.config().getOption(IP_MTU_DISCOVER))) {
            ch.close().sync();
            throw new IllegalStateException("UDP socket " + local + " did not take IP_MTU_DISCOVER=PROBE (don't fragment),"
                    + " which path MTU discovery needs; set the maximum UDP payload to " + BASE_UDP_PAYLOAD);
        }
        return ch;
    }

    private Bootstrap bootstrap(EventLoopGroup group, InetAddress local, int socketBufferBytes) {
        Bootstrap b = new Bootstrap().group(group)
                .option(ChannelOption.SO_RCVBUF, socketBufferBytes)
                .option(ChannelOption.SO_SNDBUF, socketBufferBytes);
        if (!epoll) {
            return b.channel(NioDatagramChannel.class);
        }
        // The socket's family is chosen here so that the don't-fragment option matches it (an IPv6
        // socket, e.g. bound to "::", carries IPv4 too and needs both).
        boolean v4 = local instanceof Inet4Address;
        b.channelFactory(() -> new EpollDatagramChannel(v4 ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6));
        if (gso) {
            b.option(EpollChannelOption.UDP_GRO, true);
        }
        if (gso || discoversPathMtu()) {
            b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Math.max(GRO_BUFFER, maxUdpPayload)));
        }
        if (discoversPathMtu()) {
            b.option(IP_MTU_DISCOVER, PMTUDISC_PROBE);
            if (!v4) {
                b.option(IPV6_MTU_DISCOVER, PMTUDISC_PROBE);
            }
        }
        return b;
    }

    /**
     * What a QUIC connection uses to write several packets in one GSO send (the value of
     * {@code QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR}), or null without GSO.
     */
    public SegmentedDatagramPacketAllocator segmentAllocator() {
        return gso ? EpollQuicUtils.newSegmentedAllocator(gsoSegments()) : null;
    }

    /** Lets every connection of this server codec write several packets in one GSO send; a no-op without GSO. */
    public QuicServerCodecBuilder segmentedSends(QuicServerCodecBuilder builder) {
        SegmentedDatagramPacketAllocator segments = segmentAllocator();
        return segments == null ? builder : builder.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, segments);
    }

    /** Lets the connection this bootstrap dials write several packets in one GSO send; a no-op without GSO. */
    public QuicChannelBootstrap segmentedSends(QuicChannelBootstrap bootstrap) {
        SegmentedDatagramPacketAllocator segments = segmentAllocator();
        return segments == null ? bootstrap : bootstrap.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, segments);
    }

    /** Packets per GSO send: as many of the largest size as fit in one send, at most {@link #GSO_SEGMENTS}. */
    int gsoSegments() {
        return Math.max(1, Math.min(GSO_SEGMENTS, GSO_BYTES / maxUdpPayload));
    }
}
