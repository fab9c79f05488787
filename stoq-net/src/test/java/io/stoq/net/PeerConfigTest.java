package io.stoq.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.net.discovery.DiscoveryConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Settings are range-checked when made, and a refusal names the setting and its range. */
class PeerConfigTest {
    @Test
    void theDefaultsAreValidAndOutOfRangeValuesAreRefusedByName() {
        assertThat(PeerConfig.DEFAULTS.maxStreamsPerConnection()).isEqualTo(64);
        assertThatThrownBy(() -> PeerConfig.DEFAULTS.withLimits(0, 10, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max streams per connection");
        assertThatThrownBy(() -> PeerConfig.DEFAULTS.withTimeouts(Duration.ofMillis(1), Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("handshake timeout");
        assertThatThrownBy(() -> PeerConfig.DEFAULTS.withWorkers(0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worker threads");
    }

    @Test
    void discoveryWindowsMustNest() {
        InetSocketAddress me = new InetSocketAddress("127.0.0.1", 7443);
        DiscoveryConfig config = DiscoveryConfig.of(List.of(), List.of(me));
        assertThat(config.maxRecords()).isEqualTo(1024);
        assertThatThrownBy(() -> config.withIntervals(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dead after");
        assertThatThrownBy(() -> DiscoveryConfig.of(List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("advertise");
    }
}
