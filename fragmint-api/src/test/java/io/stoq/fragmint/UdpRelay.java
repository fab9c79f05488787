package io.stoq.fragmint;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network path between one UDP client and a server on 127.0.0.1 that carries datagrams of at
 * most {@code maxPayload} bytes and silently drops larger ones, as a router with a smaller MTU
 * and don't-fragment set does (a PMTU black hole: no ICMP comes back). It records the largest
 * datagram it forwarded each way, so a test can see what packet sizes QUIC settled on.
 */
final class UdpRelay implements AutoCloseable {
    private final DatagramChannel socket;
    private final InetSocketAddress server;
    private final int maxPayload;
    private final Thread thread;
    private volatile SocketAddress client;
    final AtomicInteger largestToServer = new AtomicInteger();
    final AtomicInteger largestToClient = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();

    UdpRelay(int serverPort, int maxPayload) throws IOException {
        this.server = new InetSocketAddress("127.0.0.1", serverPort);
        this.maxPayload = maxPayload;
        this.socket = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        socket.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
        this.thread = new Thread(this::run, "udp-relay");
        thread.setDaemon(true);
        thread.start();
    }

    int port() throws IOException {
        return ((InetSocketAddress) socket.getLocalAddress()).getPort();
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        try {
            while (true) {
                buf.clear();
                SocketAddress from = socket.receive(buf);
                buf.flip();
                int size = buf.remaining();
                boolean toClient = from.equals(server);
                if (!toClient) {
                    client = from;
                }
                SocketAddress to = toClient ? client : server;
                if (size > maxPayload) {
                    dropped.incrementAndGet();
                } else if (to != null) {
                    (toClient ? largestToClient : largestToServer).accumulateAndGet(size, Math::max);
                    socket.send(buf, to);
                }
            }
        } catch (ClosedChannelException e) {
            // closed by the test: done
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        socket.close();
        thread.join(5_000);
    }
}
