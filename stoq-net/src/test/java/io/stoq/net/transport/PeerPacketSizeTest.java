package io.stoq.net.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.net.LeakGuard;
import io.stoq.net.NetFixture;
import io.stoq.net.PeerConnection;
import io.stoq.net.shard.MemoryShardStore;
import io.stoq.net.shard.ShardClient;
import io.stoq.net.shard.ShardService;
import io.stoq.quic.QuicTransport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer transport runs on the HTTP/3 socket setup ({@link QuicTransport}): on Linux, epoll with
 * GSO/GRO, and on a loopback bind path MTU discovery, so shards cross in packets far larger than
 * the 1,350 bytes of the NIO socket it had before (where one stream carried a third as much).
 */
@ExtendWith(LeakGuard.class)
@EnabledOnOs(OS.LINUX)
class PeerPacketSizeTest {
    @TempDir
    Path dir;

    @Test
    void shardsCrossLoopbackInPacketsLargerThanTheBaseSize() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        MemoryShardStore held = new MemoryShardStore();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        StoqTransport server = new ShardService(held, 8L << 20).register(net.builder(net.identity(net.issue("node-a")))).start();
        StoqTransport client = net.builder(net.identity(net.issue("node-b"))).start();
        try {
            assertThat(server.udpTransport()).isEqualTo("epoll, GSO/GRO, path MTU up to " + QuicTransport.LOOPBACK_UDP_PAYLOAD);
            PeerConnection connection = client.connect(server.localAddress());
            putAndGetBack(pool, connection, 4 << 20);

            long clientPmtu = ((PeerSession) connection).channel().collectPathStats(0).get(5, TimeUnit.SECONDS).pmtu();
            assertThat(clientPmtu).as("the dialling side's packets").isGreaterThan(QuicTransport.BASE_UDP_PAYLOAD)
                    .isLessThanOrEqualTo(QuicTransport.LOOPBACK_UDP_PAYLOAD);
        } finally {
            client.close();
            server.close();
            pool.shutdownNow();
        }
    }

    @Test
    void nativeTransportOffRunsOnNioAndTalksToANativePeer() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        MemoryShardStore held = new MemoryShardStore();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        StoqTransport server = new ShardService(held, 8L << 20)
                .register(StoqTransport.builder(NetFixture.CONFIG.withNativeTransport(false), net.identity(net.issue("node-a")))).start();
        StoqTransport client = net.builder(net.identity(net.issue("node-b"))).start();
        try {
            assertThat(server.udpTransport()).isEqualTo("NIO");
            assertThat(client.udpTransport()).startsWith("epoll");
            putAndGetBack(pool, client.connect(server.localAddress()), 1 << 20);
        } finally {
            client.close();
            server.close();
            pool.shutdownNow();
        }
    }

    @Test
    void theBaseSizeTurnsDiscoveryOff() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        StoqTransport server = StoqTransport.builder(NetFixture.CONFIG.withMaxUdpPayload(QuicTransport.BASE_UDP_PAYLOAD),
                net.identity(net.issue("node-a"))).start();
        try {
            assertThat(server.udpTransport()).isEqualTo("epoll, GSO/GRO");
        } finally {
            server.close();
        }
    }

    /** Puts a random shard of {@code size} bytes over {@code connection} and reads the same bytes back. */
    private static void putAndGetBack(ExecutorService pool, PeerConnection connection, int size) throws Exception {
        ShardClient shards = new ShardClient(pool, (node, bytes, elapsed) -> { });
        byte[] up = new byte[size];
        new Random(size).nextBytes(up);
        Hash256 id = Sha3.hash(up);
        assertThat(shards.put(connection, id, up.length, new ByteArrayInputStream(up))).isTrue();
        ByteArrayOutputStream down = new ByteArrayOutputStream();
        assertThat(shards.get(connection, id, down)).isEqualTo(up.length);
        assertThat(down.toByteArray()).isEqualTo(up);
    }
}
