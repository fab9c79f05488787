package io.stoq.node.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.net.PeerConfig;
import io.stoq.net.discovery.DiscoveryConfig;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.config.NodeConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The node's peer and discovery keys become stoq-net's settings, and refusals name the keys. */
@Timeout(30)
class PeerSettingsTest {
    private static NodeConfig config(Map<String, String> overrides) throws NodeException {
        return NodeConfig.load(null, Map.of(), overrides);
    }

    @Test
    void defaultsAreStoqNetsDefaults() throws Exception {
        assertThat(PeerSettings.transport(config(Map.of()))).isEqualTo(PeerConfig.DEFAULTS);
        InetSocketAddress bound = new InetSocketAddress("127.0.0.1", 7443);
        DiscoveryConfig expected = DiscoveryConfig.of(List.of(), List.of(bound));
        assertThat(PeerSettings.discovery(config(Map.of()), bound)).isEqualTo(expected);
    }

    @Test
    void everyKeyReachesItsSetting() throws Exception {
        NodeConfig c = config(Map.ofEntries(Map.entry("peer.bind", "127.0.0.1:0"), Map.entry("peer.max-frame-size", "1MiB"),
                Map.entry("peer.handshake-timeout", "2s"), Map.entry("peer.idle-timeout", "3s"),
                Map.entry("peer.request-timeout", "4s"), Map.entry("peer.max-streams-per-connection", "5"),
                Map.entry("peer.max-connections", "6"), Map.entry("peer.max-connections-per-peer", "7"),
                Map.entry("peer.max-handshakes-per-address", "8"), Map.entry("peer.worker-threads", "9"),
                Map.entry("peer.worker-queue", "10"), Map.entry("peer.stream-window", "128KiB"),
                Map.entry("peer.connection-window", "256KiB"), Map.entry("peer.socket-buffer", "512KiB"),
                Map.entry("peer.max-udp-payload", "8972"), Map.entry("peer.native-transport", "false"),
                Map.entry("discovery.seeds", "127.0.0.1:7001, [::1]:7002"), Map.entry("discovery.advertise", "10.1.2.3:7443"),
                Map.entry("discovery.gossip-interval", "300ms"), Map.entry("discovery.heartbeat-interval", "400ms"),
                Map.entry("discovery.suspect-after", "2s"), Map.entry("discovery.dead-after", "9s"),
                Map.entry("discovery.max-records", "11"), Map.entry("discovery.fanout", "12")));
        assertThat(PeerSettings.transport(c)).isEqualTo(new PeerConfig(new InetSocketAddress("127.0.0.1", 0), 1 << 20,
                Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4), 5, 6, 7, 8, 9, 10, 128 << 10, 256 << 10, 512 << 10, 8972,
                false));
        assertThat(PeerSettings.discovery(c, new InetSocketAddress("127.0.0.1", 40000))).isEqualTo(new DiscoveryConfig(
                List.of(new InetSocketAddress("127.0.0.1", 7001), new InetSocketAddress("::1", 7002)),
                List.of(new InetSocketAddress("10.1.2.3", 7443)), Duration.ofMillis(300), Duration.ofMillis(400),
                Duration.ofSeconds(2), Duration.ofSeconds(9), 11, 12));
    }

    @Test
    void aWildcardBindAdvertisesARealAddressWithTheBoundPort() throws Exception {
        InetSocketAddress advertised = PeerSettings.discovery(config(Map.of()), new InetSocketAddress("0.0.0.0", 41000)).advertise().get(0);
        assertThat(advertised.getAddress().isAnyLocalAddress()).isFalse();
        assertThat(advertised.getPort()).isEqualTo(41000);
    }

    @Test
    void combinationsStoqNetRefusesAreBadConfigNamingTheKeys() throws Exception {
        assertThatThrownBy(() -> PeerSettings.transport(config(Map.of("peer.stream-window", "8MiB", "peer.connection-window", "4MiB"))))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG))
                .hasMessageContaining("peer.connection-window");
        assertThatThrownBy(() -> PeerSettings.transport(config(Map.of("peer.max-udp-payload", "1000"))))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG))
                .hasMessageContaining("peer.max-udp-payload must be 0 or 1350..65527");
        assertThat(PeerSettings.transport(config(Map.of())).maxUdpPayload()).as("by default chosen from the bind address").isZero();
        assertThatThrownBy(() -> PeerSettings.discovery(config(Map.of("discovery.suspect-after", "10s", "discovery.dead-after", "5s")),
                new InetSocketAddress("127.0.0.1", 1)))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG))
                .hasMessageContaining("discovery.");
        assertThatThrownBy(() -> config(Map.of("discovery.seeds", "not an address")))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG))
                .hasMessageContaining("discovery.seeds");
        assertThatThrownBy(() -> PeerSettings.discovery(config(Map.of("discovery.advertise", "0.0.0.0:7443")),
                new InetSocketAddress("127.0.0.1", 1)))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG))
                .hasMessageContaining("discovery.advertise");
    }
}
