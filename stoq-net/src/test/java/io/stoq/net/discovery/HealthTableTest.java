package io.stoq.net.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.net.LeakGuard;
import io.stoq.net.LocalIdentity;
import io.stoq.net.NetFixture;
import io.stoq.net.Revocations;
import io.stoq.net.handshake.PeerVerifier;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-peer health on a clock the test moves: RTT and throughput averages, liveness windows, and
 * no entry for a node id that is not a member (the metric labels stay bounded by the membership).
 */
@ExtendWith(LeakGuard.class)
class HealthTableTest {
    @TempDir
    Path dir;

    @Test
    void measuresMembersOnlyAndAgesTheirLiveness() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        LocalIdentity a = net.identity(net.issue("node-a"));
        Membership membership = new Membership(new PeerVerifier(net.ca.root(), net.networkId, new Revocations(), Clock.systemUTC()), 8);
        membership.offer(SignedNodeRecord.sign(new NodeRecord("node-a", a.identity().zone(), List.of(new InetSocketAddress("127.0.0.1", 7443)),
                1000, 500, a.identity().serial(), 1, Instant.now()), a));
        NetFixture.MovableClock clock = new NetFixture.MovableClock(Instant.parse("2026-12-01T00:00:00Z"));
        HealthTable health = new HealthTable(membership, clock);

        assertThat(health.snapshot("self", Duration.ofSeconds(5), Duration.ofSeconds(15)))
                .singleElement().satisfies(s -> assertThat(s.liveness()).isEqualTo(Liveness.UNKNOWN));

        health.recordRtt("node-a", Duration.ofMillis(10));
        health.recordRtt("node-a", Duration.ofMillis(20));
        health.transferred("node-a", 8L << 20, Duration.ofSeconds(2));
        health.transferred("ghost", 1L << 30, Duration.ofSeconds(1));
        health.recordRtt("ghost", Duration.ofMillis(1));

        PeerStatus s = health.snapshot("self", Duration.ofSeconds(5), Duration.ofSeconds(15)).get(0);
        assertThat(s.nodeId()).isEqualTo("node-a");
        assertThat(s.liveness()).isEqualTo(Liveness.ALIVE);
        assertThat(s.rtt()).isEqualTo(Duration.ofMillis(13)); // 0.3 * 20 + 0.7 * 10
        assertThat(s.throughputBytesPerSecond()).isEqualTo(4.0 * (1 << 20));
        assertThat(health.snapshot("self", Duration.ofSeconds(5), Duration.ofSeconds(15))).hasSize(1);

        clock.set(clock.instant().plusSeconds(6));
        assertThat(health.snapshot("self", Duration.ofSeconds(5), Duration.ofSeconds(15)).get(0).liveness()).isEqualTo(Liveness.SUSPECT);
        clock.set(clock.instant().plusSeconds(10));
        assertThat(health.snapshot("self", Duration.ofSeconds(5), Duration.ofSeconds(15)).get(0).liveness()).isEqualTo(Liveness.DEAD);
        assertThat(health.snapshot("node-a", Duration.ofSeconds(5), Duration.ofSeconds(15))).as("a node never lists itself").isEmpty();
    }
}
