package io.stoq.net.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.net.LeakGuard;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetFixture;
import io.stoq.net.PeerConnection;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Netty's BoringSSL does not report which key-exchange group a handshake used, so the hybrid
 * post-quantum group is proven by elimination: a client that offers X25519MLKEM768 alone
 * connects to a STOQ node with its default groups, and the same client cannot connect to a node
 * narrowed to classical X25519 (so the first success is not the library ignoring the setting).
 */
@ExtendWith(LeakGuard.class)
class KeyExchangeGroupTest {
    @TempDir
    static Path dir;
    static NetFixture net;

    @BeforeAll
    static void makeCa() throws Exception {
        net = new NetFixture(dir, "main");
    }

    @Test
    void aClientOfferingOnlyX25519Mlkem768ConnectsToTheDefaultNode() throws Exception {
        try (StoqTransport server = net.builder(net.identity(net.issue("node-a"))).start();
                StoqTransport client = net.builder(net.identity(net.issue("node-b"))).groups("X25519MLKEM768").start()) {
            PeerConnection connection = client.connect(server.localAddress());
            connection.call(MessageType.PING, new byte[0]).close();
            assertThat(connection.isOpen()).isTrue();
        }
    }

    @Test
    void theSameClientFailsAgainstANodeWithoutTheHybridGroup() throws Exception {
        try (StoqTransport server = net.builder(net.identity(net.issue("node-a"))).groups("X25519").start();
                // A failed TLS handshake surfaces only at the handshake deadline: keep it short.
                StoqTransport client = StoqTransport.builder(NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(1),
                        Duration.ofSeconds(30), Duration.ofSeconds(5)), net.identity(net.issue("node-b"))).groups("X25519MLKEM768").start()) {
            assertThatThrownBy(() -> client.connect(server.localAddress()))
                    .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.UNREACHABLE));
        }
    }
}
