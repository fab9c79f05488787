package io.stoq.net.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.net.LeakGuard;
import io.stoq.net.LocalIdentity;
import io.stoq.net.NetFixture;
import io.stoq.net.Revocations;
import io.stoq.net.transport.StoqTransport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes on loopback: two know only the first as a seed, yet gossip makes every node
 * know all three; heartbeats make each see the others ALIVE with a measured RTT; a node that
 * stops is seen SUSPECT then DEAD; a revoked node disappears from the membership.
 */
@ExtendWith(LeakGuard.class)
class DiscoveryTest {
    @TempDir
    Path dir;
    final List<AutoCloseable> open = new ArrayList<>();

    record Node(String id, StoqTransport transport, Discovery discovery, Revocations revocations, LocalIdentity identity) {}

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Node start(NetFixture net, String id, List<InetSocketAddress> seeds) throws Exception {
        LocalIdentity identity = net.identity(net.issue(id));
        Revocations revocations = new Revocations();
        // Port 0 is chosen at bind; the record advertises the bound port, so bind first, then start discovery.
        StoqTransport transport = net.builder(identity).revocations(revocations).start();
        open.add(transport);
        DiscoveryConfig config = DiscoveryConfig.of(seeds, List.of(transport.localAddress()))
                .withIntervals(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(2));
        Discovery discovery = new Discovery(config, identity, revocations, Clock.systemUTC(),
                () -> new CapacitySource.Capacity(1L << 40, 1L << 39));
        discovery.start(transport);
        open.add(discovery);
        return new Node(id, transport, discovery, revocations, identity);
    }

    private static Set<String> known(Node n) {
        return n.discovery().membership().members().stream().map(m -> m.record().nodeId()).collect(Collectors.toSet());
    }

    @Test
    void gossipSpreadsEveryRecordAndHeartbeatsMeasureEveryPeer() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        Node a = start(net, "node-a", List.of());
        Node b = start(net, "node-b", List.of(a.transport().localAddress()));
        Node c = start(net, "node-c", List.of(a.transport().localAddress()));
        for (Node n : List.of(a, b, c)) {
            await().atMost(Duration.ofSeconds(15)).until(() -> known(n).equals(Set.of("node-a", "node-b", "node-c")));
        }
        for (Node n : List.of(a, b, c)) {
            await().atMost(Duration.ofSeconds(15)).until(() -> n.discovery().snapshot().stream()
                    .allMatch(s -> s.liveness() == Liveness.ALIVE && s.rtt() != null));
            assertThat(n.discovery().snapshot()).hasSize(2).noneMatch(s -> s.nodeId().equals(n.id()));
        }
        PeerStatus cSeenByB = b.discovery().snapshot().stream().filter(s -> s.nodeId().equals("node-c")).findFirst().orElseThrow();
        assertThat(cSeenByB.zone()).isEqualTo("zone-c");
        assertThat(cSeenByB.addresses()).containsExactly(c.transport().localAddress());
        assertThat(cSeenByB.capacityBytes()).isEqualTo(1L << 40);

        // c stops: the others see it go SUSPECT, then DEAD.
        c.discovery().close();
        c.transport().close();
        await().atMost(Duration.ofSeconds(15)).until(() -> b.discovery().snapshot().stream()
                .anyMatch(s -> s.nodeId().equals("node-c") && s.liveness() == Liveness.DEAD));

        // b is revoked at a: a drops its record and does not take it back from gossip.
        a.revocations().revoke(b.identity().identity().serial());
        await().atMost(Duration.ofSeconds(5)).until(() -> !known(a).contains("node-b"));
        // Several gossip rounds in which b itself, or c's copy of its record, could bring it back.
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> !known(a).contains("node-b"));
    }
}
