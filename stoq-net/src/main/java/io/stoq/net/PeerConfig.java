package io.stoq.net;

import io.stoq.quic.QuicTransport;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Every setting of the peer transport, with its default and allowed range, checked at
 * construction. Sizes are in bytes (stoq-net depends on stoq-crypto only, which has no size
 * type); durations are {@link Duration}s. The node maps its {@code peer.*} config keys onto this
 * record.
 *
 * @param bind UDP address the transport listens on (port 0 picks a free one)
 * @param maxFrameBytes hard maximum of one frame's payload; a larger declared length closes the stream
 * @param handshakeTimeout from QUIC connect until the Falcon authentication has finished, both ways
 * @param idleTimeout QUIC idle timeout: a connection with no packet for this long is dropped
 * @param requestTimeout longest a request may go without progress (no frame sent or received)
 * @param maxStreamsPerConnection concurrent bidirectional streams a peer may open (QUIC MAX_STREAMS)
 * @param maxConnections connections in total, both directions, authenticated or not
 * @param maxConnectionsPerPeer connections to or from one authenticated node
 * @param maxHandshakesPerAddress unauthenticated connections from one IP address at once
 * @param workerThreads threads running request handlers and the handshake's signatures
 * @param workerQueue requests waiting for a worker; beyond it a request is answered BUSY
 * @param streamWindowBytes QUIC flow-control window per stream
 * @param connectionWindowBytes QUIC flow-control window per connection
 * @param socketBufferBytes UDP socket send and receive buffers
 * @param maxUdpPayload largest QUIC packet path MTU discovery may grow to ({@link QuicTransport}):
 *     {@link QuicTransport#AUTO_MAX_UDP_PAYLOAD} (16,000 on a loopback bind, else 1,350 and no
 *     discovery) or 1,350 to 65,527
 * @param nativeTransport Linux's epoll UDP socket with GSO/GRO where the machine has it; false
 *     forces Java NIO (1,350-byte packets, one syscall each): a way out should the native
 *     transport misbehave on a host
 */
public record PeerConfig(
        InetSocketAddress bind,
        int maxFrameBytes,
        Duration handshakeTimeout,
        Duration idleTimeout,
        Duration requestTimeout,
        int maxStreamsPerConnection,
        int maxConnections,
        int maxConnectionsPerPeer,
        int maxHandshakesPerAddress,
        int workerThreads,
        int workerQueue,
        long streamWindowBytes,
        long connectionWindowBytes,
        int socketBufferBytes,
        int maxUdpPayload,
        boolean nativeTransport) {

    /** The UDP port a node listens on for peers unless configured otherwise. */
    public static final int DEFAULT_PORT = 7443;
    /** Bulk bytes travel in DATA frames of at most this many payload bytes. */
    public static final int DATA_CHUNK_BYTES = 64 * 1024;

    public static final PeerConfig DEFAULTS = new PeerConfig(new InetSocketAddress("0.0.0.0", DEFAULT_PORT),
            256 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30),
            64, 1024, 4, 8, 16, 256, 4L << 20, 16L << 20, 4 << 20, QuicTransport.AUTO_MAX_UDP_PAYLOAD, true);

    public PeerConfig {
        if (bind == null) {
            throw new IllegalArgumentException("peer bind address is required");
        }
        range("max frame size", maxFrameBytes, DATA_CHUNK_BYTES + 64, 16 << 20);
        range("handshake timeout", handshakeTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
        range("idle timeout", idleTimeout, Duration.ofSeconds(1), Duration.ofHours(1));
        range("request timeout", requestTimeout, Duration.ofMillis(100), Duration.ofHours(1));
        range("max streams per connection", maxStreamsPerConnection, 2, 4096);
        range("max connections", maxConnections, 1, 1 << 16);
        range("max connections per peer", maxConnectionsPerPeer, 1, 64);
        range("max handshakes per address", maxHandshakesPerAddress, 1, 1024);
        range("worker threads", workerThreads, 1, 1024);
        range("worker queue", workerQueue, 0, 1 << 16);
        range("stream window", streamWindowBytes, 64 * 1024, 256L << 20);
        range("connection window", connectionWindowBytes, streamWindowBytes, 1L << 30);
        range("socket buffer", socketBufferBytes, 64 * 1024, 64 << 20);
        if (maxUdpPayload != QuicTransport.AUTO_MAX_UDP_PAYLOAD) {
            QuicTransport.requireValidMaxUdpPayload(maxUdpPayload);
        }
    }

    /** These settings listening on {@code address} instead. */
    public PeerConfig withBind(InetSocketAddress address) {
        return new PeerConfig(address, maxFrameBytes, handshakeTimeout, idleTimeout, requestTimeout, maxStreamsPerConnection,
                maxConnections, maxConnectionsPerPeer, maxHandshakesPerAddress, workerThreads, workerQueue, streamWindowBytes,
                connectionWindowBytes, socketBufferBytes, maxUdpPayload, nativeTransport);
    }

    /** These settings with other timeouts. */
    public PeerConfig withTimeouts(Duration handshake, Duration idle, Duration request) {
        return new PeerConfig(bind, maxFrameBytes, handshake, idle, request, maxStreamsPerConnection, maxConnections,
                maxConnectionsPerPeer, maxHandshakesPerAddress, workerThreads, workerQueue, streamWindowBytes,
                connectionWindowBytes, socketBufferBytes, maxUdpPayload, nativeTransport);
    }

    /** These settings with other connection and stream limits. */
    public PeerConfig withLimits(int streamsPerConnection, int connections, int connectionsPerPeer, int handshakesPerAddress) {
        return new PeerConfig(bind, maxFrameBytes, handshakeTimeout, idleTimeout, requestTimeout, streamsPerConnection,
                connections, connectionsPerPeer, handshakesPerAddress, workerThreads, workerQueue, streamWindowBytes,
                connectionWindowBytes, socketBufferBytes, maxUdpPayload, nativeTransport);
    }

    /** These settings with another worker pool. */
    public PeerConfig withWorkers(int threads, int queue) {
        return new PeerConfig(bind, maxFrameBytes, handshakeTimeout, idleTimeout, requestTimeout, maxStreamsPerConnection,
                maxConnections, maxConnectionsPerPeer, maxHandshakesPerAddress, threads, queue, streamWindowBytes,
                connectionWindowBytes, socketBufferBytes, maxUdpPayload, nativeTransport);
    }

    /** These settings with another packet size limit ({@link QuicTransport#AUTO_MAX_UDP_PAYLOAD} or 1,350..65,527). */
    public PeerConfig withMaxUdpPayload(int bytes) {
        return new PeerConfig(bind, maxFrameBytes, handshakeTimeout, idleTimeout, requestTimeout, maxStreamsPerConnection,
                maxConnections, maxConnectionsPerPeer, maxHandshakesPerAddress, workerThreads, workerQueue, streamWindowBytes,
                connectionWindowBytes, socketBufferBytes, bytes, nativeTransport);
    }

    /** These settings on Java NIO instead of the native transport ({@code useNative} false), or back. */
    public PeerConfig withNativeTransport(boolean useNative) {
        return new PeerConfig(bind, maxFrameBytes, handshakeTimeout, idleTimeout, requestTimeout, maxStreamsPerConnection,
                maxConnections, maxConnectionsPerPeer, maxHandshakesPerAddress, workerThreads, workerQueue, streamWindowBytes,
                connectionWindowBytes, socketBufferBytes, maxUdpPayload, useNative);
    }

    private static void range(String what, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    private static void range(String what, Duration value, Duration min, Duration max) {
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
