package io.stoq.net.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stoq.net.LeakGuard;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetFixture;
import io.stoq.net.NetIoException;
import io.stoq.net.PeerConfig;
import io.stoq.net.PeerConnection;
import io.stoq.net.Reply;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounds a peer cannot push past: streams per connection (extra calls wait for a free stream
 * instead of failing), connections per peer and in total, the worker pool (BUSY), and the request
 * timeout (a reader that stops reading, a handler that never answers).
 */
@ExtendWith(LeakGuard.class)
class LimitsTest {
    private static final MessageType SLOW = new MessageType(0x101, "slow");
    private static final MessageType FLOOD = new MessageType(0x102, "flood");

    @TempDir
    static Path dir;
    static NetFixture net;

    @BeforeAll
    static void makeCa() throws Exception {
        net = new NetFixture(dir, "main");
    }

    @Test
    void callsBeyondTheStreamLimitWaitForAFreeStream() throws Exception {
        PeerConfig config = NetFixture.CONFIG.withLimits(4, 16, 4, 8);
        CountDownLatch inside = new CountDownLatch(4);
        CountDownLatch release = new CountDownLatch(1);
        try (StoqTransport server = StoqTransport.builder(config, net.identity(net.issue("node-a")))
                        .handle(SLOW, (request, responder) -> {
                            inside.countDown();
                            try {
                                release.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            responder.reply(request.args());
                        }).start();
                StoqTransport client = StoqTransport.builder(config, net.identity(net.issue("node-b"))).start()) {
            PeerConnection connection = client.connect(server.localAddress());
            ExecutorService pool = Executors.newFixedThreadPool(12);
            try {
                List<Future<byte[]>> calls = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    byte[] arg = {(byte) i};
                    calls.add(pool.submit(() -> {
                        try (Reply r = connection.call(SLOW, arg)) {
                            return r.meta();
                        }
                    }));
                }
                assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
                // Four streams are busy; the other eight calls wait rather than fail.
                assertThat(calls).noneMatch(Future::isDone);
                release.countDown();
                for (int i = 0; i < 12; i++) {
                    assertThat(calls.get(i).get(10, TimeUnit.SECONDS)).containsExactly(i);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void connectionsPerPeerAndInTotalAreBounded() throws Exception {
        PeerConfig serverConfig = NetFixture.CONFIG.withLimits(8, 2, 1, 8);
        try (StoqTransport server = StoqTransport.builder(serverConfig, net.identity(net.issue("node-a"))).start();
                StoqTransport b = net.builder(net.identity(net.issue("node-b"))).start();
                StoqTransport c = net.builder(net.identity(net.issue("node-c"))).start();
                // Refused before TLS completes, d learns it at its handshake deadline: keep it short.
                StoqTransport d = StoqTransport.builder(NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30),
                        Duration.ofSeconds(5)), net.identity(net.issue("node-d"))).start()) {
            b.dial(server.localAddress());
            assertThatThrownBy(() -> b.dial(server.localAddress()))
                    .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.TOO_MANY_CONNECTIONS));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 1);
            c.dial(server.localAddress());
            await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 2);
            assertThatThrownBy(() -> d.dial(server.localAddress())).isInstanceOf(NetException.class);
            assertThat(server.metrics().snapshot().refused(NetErrorCode.TOO_MANY_CONNECTIONS)).isGreaterThanOrEqualTo(2);
            assertThat(server.connections()).hasSize(2);
        }
    }

    @Test
    void aFullWorkerPoolAnswersBusy() throws Exception {
        PeerConfig config = NetFixture.CONFIG.withWorkers(1, 0);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(1);
        try (StoqTransport server = StoqTransport.builder(config, net.identity(net.issue("node-a")))
                        .handle(SLOW, (request, responder) -> {
                            inside.countDown();
                            try {
                                release.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            responder.reply(new byte[0]);
                        }).start();
                StoqTransport client = net.builder(net.identity(net.issue("node-b"))).start()) {
            PeerConnection connection = client.connect(server.localAddress());
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> first = pool.submit(() -> {
                    connection.call(SLOW, new byte[0]).close();
                    return null;
                });
                assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
                assertThatThrownBy(() -> connection.call(MessageType.PING, new byte[0]))
                        .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.BUSY));
                release.countDown();
                first.get(5, TimeUnit.SECONDS);
                // The worker is free again once it has finished the first exchange.
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> connection.call(MessageType.PING, new byte[0]).close());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aReaderThatStopsReadingTimesTheSenderOut() throws Exception {
        PeerConfig config = NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMillis(800));
        CountDownLatch failed = new CountDownLatch(1);
        List<NetErrorCode> codes = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (StoqTransport server = StoqTransport.builder(config, net.identity(net.issue("node-a")))
                        .handle(FLOOD, (request, responder) -> {
                            byte[] chunk = new byte[64 * 1024];
                            try (var out = responder.replyStreaming(new byte[0])) {
                                for (int i = 0; i < 4096; i++) {
                                    out.write(chunk); // 256 MiB: far past every window
                                }
                            } catch (NetIoException e) {
                                codes.add(e.code());
                                failed.countDown();
                                throw e;
                            }
                        }).start();
                StoqTransport client = StoqTransport.builder(config, net.identity(net.issue("node-b"))).start()) {
            PeerConnection connection = client.connect(server.localAddress());
            try (Reply reply = connection.call(FLOOD, new byte[0])) {
                InputStream body = reply.body();
                body.read(new byte[1000]); // then stop reading
                assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(codes).containsExactly(NetErrorCode.TIMEOUT);
            }
            connection.call(MessageType.PING, new byte[0]).close();
        }
    }

    @Test
    void anIdleConnectionIsDroppedAtTheIdleTimeout() throws Exception {
        PeerConfig config = NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(5));
        try (StoqTransport server = StoqTransport.builder(config, net.identity(net.issue("node-a"))).start();
                StoqTransport client = StoqTransport.builder(config, net.identity(net.issue("node-b"))).start()) {
            PeerConnection connection = client.connect(server.localAddress());
            connection.call(MessageType.PING, new byte[0]).close();
            await().atMost(Duration.ofSeconds(10)).until(() -> !connection.isOpen() && server.connectionCount() == 0);
            assertThat(client.connectionCount()).isZero();
        }
    }

    @Test
    void unauthenticatedConnectionsPerAddressAreBounded() throws Exception {
        PeerConfig serverConfig = NetFixture.CONFIG.withLimits(8, 16, 4, 1);
        PeerConfig shortHandshake = NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(5));
        try (StoqTransport server = StoqTransport.builder(serverConfig, net.identity(net.issue("node-a"))).start();
                StoqTransport client = StoqTransport.builder(shortHandshake, net.identity(net.issue("node-b"))).start()) {
            PeerSession silent = client.quicConnect(server.localAddress()); // holds the address's one handshake slot
            assertThatThrownBy(() -> client.dial(server.localAddress())).isInstanceOf(NetException.class);
            // At least once: QUIC may retransmit its first packet, and each copy is refused again.
            assertThat(server.metrics().snapshot().refused(NetErrorCode.TOO_MANY_CONNECTIONS)).isPositive();
            silent.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 0);
            assertThat(client.dial(server.localAddress()).isOpen()).isTrue();
        }
    }

    @Test
    void aCallerWaitsNoLongerThanTheRequestTimeoutForAnAnswer() throws Exception {
        PeerConfig config = NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMillis(500));
        CountDownLatch release = new CountDownLatch(1);
        try (StoqTransport server = StoqTransport.builder(config, net.identity(net.issue("node-a")))
                        .handle(SLOW, (request, responder) -> {
                            try {
                                release.await(5, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            responder.reply(new byte[0]);
                        }).start();
                StoqTransport client = StoqTransport.builder(config, net.identity(net.issue("node-b"))).start()) {
            PeerConnection connection = client.connect(server.localAddress());
            assertThatThrownBy(() -> connection.call(SLOW, new byte[0]))
                    .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.TIMEOUT));
            release.countDown();
            connection.call(MessageType.PING, new byte[0]).close();
        }
    }

    @Test
    void dialsToADeadPeerGiveTheirHandshakeSlotsBack() throws Exception {
        // A dial to a peer that never answers (a killed node) takes a slot of its address; the
        // QUIC connection never becomes active, so it closes without channelInactive. Each such
        // slot must still come back, or after a few dials the address (here 127.0.0.1, as for
        // every node on one host or behind one NAT) is refused for good.
        PeerConfig config = NetFixture.CONFIG.withLimits(4, 16, 4, 2).withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(30),
                Duration.ofSeconds(5));
        java.net.InetSocketAddress dead;
        try (java.net.DatagramSocket silent = new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.1", 0))) {
            dead = (java.net.InetSocketAddress) silent.getLocalSocketAddress(); // bound, never read: a peer that does not answer
            try (StoqTransport a = StoqTransport.builder(config, net.identity(net.issue("node-a"))).start();
                    StoqTransport b = StoqTransport.builder(NetFixture.CONFIG, net.identity(net.issue("node-b"))).start()) {
                for (int i = 0; i < 3; i++) {
                    java.net.InetSocketAddress target = dead;
                    assertThatThrownBy(() -> a.connect(target)).isInstanceOf(NetException.class);
                }
                // node-b dials node-a from 127.0.0.1: a's slots for that address must be free again
                PeerConnection fromB = b.connect(a.localAddress());
                try (Reply r = fromB.call(MessageType.PING, new byte[] {7})) {
                    assertThat(r.meta()).containsExactly(7);
                }
            }
        }
    }
}
