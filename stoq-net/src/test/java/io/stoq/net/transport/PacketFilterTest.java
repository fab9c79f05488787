package io.stoq.net.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.net.LeakGuard;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetFixture;
import io.stoq.net.PeerConfig;
import io.stoq.net.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition seam: a transport built with a {@link io.stoq.net.PacketFilter} that drops every
 * datagram can neither dial nor be dialled (the QUIC handshake never completes), and once the
 * filter lets datagrams through again the same transports connect and answer.
 */
@ExtendWith(LeakGuard.class)
@Timeout(60)
class PacketFilterTest {
    @TempDir
    Path dir;

    @Test
    void aFilteredTransportIsCutOffUntilTheFilterLetsGo() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        PeerConfig config = NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(5));
        AtomicBoolean cut = new AtomicBoolean(true);
        try (StoqTransport partitioned = StoqTransport.builder(config, net.identity(net.issue("node-p")))
                        .packetFilter(remote -> cut.get()).start();
                StoqTransport other = StoqTransport.builder(config, net.identity(net.issue("node-o"))).start()) {
            assertThatThrownBy(() -> other.connect(partitioned.localAddress()))
                    .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.UNREACHABLE));
            assertThatThrownBy(() -> partitioned.connect(other.localAddress()))
                    .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.UNREACHABLE));

            cut.set(false);
            try (Reply reply = other.connect(partitioned.localAddress()).call(MessageType.PING, new byte[] {7})) {
                assertThat(reply.meta()).containsExactly(7);
            }
            try (Reply reply = partitioned.connect(other.localAddress()).call(MessageType.PING, new byte[] {8})) {
                assertThat(reply.meta()).containsExactly(8);
            }
        }
    }
}
