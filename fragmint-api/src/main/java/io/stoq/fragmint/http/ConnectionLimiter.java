package io.stoq.fragmint.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.quic.QuicChannel;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps open connections, in total and per client address, over TCP and QUIC together. The first
 * handler of every new connection's pipeline: a connection over a cap is closed before a byte of
 * it is parsed (TCP: no answer at all; QUIC: {@code CONNECTION_REFUSED}); otherwise its slot is
 * held until the connection closes.
 *
 * <p>An IPv6 client is counted by its /64 prefix, because one host usually owns a whole /64 and
 * could otherwise take a fresh address per connection. QUIC addresses are validated (a retry token
 * proves the client receives at its address, see {@link QuicTokens}) before a connection exists,
 * so the count cannot be spent with spoofed sources.
 *
 * <p>Thread-safe: counters are atomic; the per-address map only holds addresses with open
 * connections, so it is bounded by the total cap.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelHandlerAdapter {
    /** QUIC transport error CONNECTION_REFUSED (RFC 9000 s.20.1). */
    private static final int QUIC_CONNECTION_REFUSED = 0x2;

    private final int maxTotal;
    private final int maxPerAddress;
    private final ApiMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();

    ConnectionLimiter(int maxTotal, int maxPerAddress, ApiMetrics metrics) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
        this.metrics = metrics;
    }

    /** Connections currently holding a slot. */
    int open() {
        return open.get();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        String key = key(ch instanceof QuicChannel q ? q.remoteSocketAddress() : ch.remoteAddress());
        String refused = acquire(key);
        if (refused != null) {
            metrics.connectionRefused(refused);
            if (ch instanceof QuicChannel q) {
                // Not from inside the codec's channel setup: once registration has finished.
                q.eventLoop().execute(() -> q.close(false, QUIC_CONNECTION_REFUSED, Unpooled.EMPTY_BUFFER));
            } else {
                ch.close();
            }
            return;
        }
        ch.closeFuture().addListener(f -> release(key));
    }

    /** Takes a slot for {@code key}; returns null when granted, else which cap refused it. */
    private String acquire(String key) {
        if (open.incrementAndGet() > maxTotal) {
            open.decrementAndGet();
            return "total";
        }
        boolean[] granted = {false};
        byAddress.compute(key, (k, n) -> {
            AtomicInteger count = n == null ? new AtomicInteger() : n;
            if (count.get() < maxPerAddress) {
                count.incrementAndGet();
                granted[0] = true;
            }
            return count.get() == 0 ? null : count;
        });
        if (!granted[0]) {
            open.decrementAndGet();
            return "per_address";
        }
        return null;
    }

    private void release(String key) {
        byAddress.computeIfPresent(key, (k, n) -> n.decrementAndGet() == 0 ? null : n);
        open.decrementAndGet();
    }

    /**
     * The address a client is counted (and rate-limited) by: the IPv4 address, or an IPv6
     * address's /64 prefix. Anything else counts by its text.
     */
    static String key(SocketAddress a) {
        if (a instanceof InetSocketAddress i && i.getAddress() != null) {
            return key(i.getAddress());
        }
        return String.valueOf(a);
    }

    /** The same for an address in text form (as requests carry it); non-IP text counts as itself. */
    static String key(String literal) {
        byte[] ip = io.netty.util.NetUtil.createByteArrayFromIpAddressString(literal);
        if (ip == null) {
            return literal;
        }
        try {
            return key(InetAddress.getByAddress(ip));
        } catch (UnknownHostException e) {
            return literal;
        }
    }

    static String key(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            if (isV4Mapped(b)) {
                try {
                    return Inet4Address.getByAddress(Arrays.copyOfRange(b, 12, 16)).getHostAddress();
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e); // 4 bytes are always a valid IPv4 address
                }
            }
            try {
                byte[] prefix = Arrays.copyOf(b, 16);
                Arrays.fill(prefix, 8, 16, (byte) 0);
                return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // 16 bytes are always a valid IPv6 address
            }
        }
        return a.getHostAddress();
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}
