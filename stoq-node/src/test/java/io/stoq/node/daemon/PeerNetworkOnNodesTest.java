package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.LocalIdentity;
import io.stoq.net.PeerConfig;
import io.stoq.net.PeerConnection;
import io.stoq.net.shard.ShardService;
import io.stoq.net.shard.ShardStore;
import io.stoq.net.transport.StoqTransport;
import io.stoq.node.peer.PeerNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.OptionalLong;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.store.LocalShardStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@link StoqNode}s in one JVM on 127.0.0.1 (port 0), each with its own data directory and
 * ledger, three of them certified by one CA and a fourth by another: seeded only with node A,
 * the certified nodes find each other and show each other alive with an RTT in
 * {@code GET /v1/nodes} and {@code /metrics}; node B fetches a shard node A stores over STOQ
 * byte-exact, and a push of bytes that do not hash to their id is refused; the node of the
 * other CA is refused at the handshake and never listed; stopping A turns it dead at B.
 */
@Timeout(120)
class PeerNetworkOnNodesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    final List<StoqNode> nodes = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }

    /** A CA in {@code dir/name} (the way {@code stoq ca init} makes one). */
    private CertificateAuthority ca(String name) throws Exception {
        return CertificateAuthority.init(dir.resolve(name), "stoq-dev", null, null, CertificateAuthority.Policy.DEFAULT,
                Clock.systemUTC());
    }

    /**
     * Node keys (the production keygen) and a certificate from {@code ca} with every role (its own
     * ledger's genesis needs the voter role), in {@code dir/id/node}; then the node, seeded with
     * {@code seeds}, on loopback ports picked at bind.
     */
    private StoqNode start(CertificateAuthority ca, String id, String zone, String seeds) throws Exception {
        Path data = dir.resolve(id);
        Path keyDir = data.resolve("node");
        NodeKeys keys = NodeKeys.generate();
        keys.write(keyDir, null);
        NodeClaims claims = NodeClaims.of(id, zone, EnumSet.allOf(NodeRole.class), keys.tls().getPublic(), keys.kem().getPublic(),
                keys.slhDsa().publicKey());
        PemFiles.writeCertificates(keyDir.resolve("node.crt.pem"), ca.issue(NodeCsr.create(keys.falcon(), claims), Duration.ofDays(30)));
        ca.crl();
        Map<String, String> config = new HashMap<>(Map.of("data.dir", data.toString(), "api.port", "0", "store.min-free", "0B",
                "ledger.block-interval", "5ms", "shard.parallelism", "2", "peer.bind", "127.0.0.1:0",
                "node.root-certificate", ca.directory().resolve("root.crt.pem").toString(),
                "node.crl", ca.directory().resolve("crl.pem").toString(), "discovery.seeds", seeds));
        config.putAll(Map.of("discovery.gossip-interval", "200ms", "discovery.heartbeat-interval", "200ms",
                "discovery.suspect-after", "1s", "discovery.dead-after", "2s"));
        StoqNode node = StoqNode.start(NodeConfig.load(null, Map.of(), config), Clock.systemUTC(), true);
        nodes.add(node);
        return node;
    }

    private static String peerAddress(StoqNode node) {
        return "127.0.0.1:" + node.peers().localAddress().getPort();
    }

    private HttpResponse<String> get(StoqNode node, String path) throws Exception {
        String key = Files.readString(node.devAdmin().keyFile()).trim();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET /v1/nodes} as node id to its entry. */
    private Map<String, JsonNode> listed(StoqNode node) throws Exception {
        HttpResponse<String> r = get(node, "/v1/nodes");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return StreamSupport.stream(JSON.readTree(r.body()).spliterator(), false)
                .collect(Collectors.toMap(n -> n.get("id").asText(), n -> n));
    }

    private static boolean aliveWithRtt(JsonNode entry) {
        return entry != null && entry.get("liveness").asText().equals("ALIVE") && entry.get("status").asText().equals("UP")
                && entry.get("rttMicros").isIntegralNumber() && entry.get("lastHeard").isTextual();
    }

    @Test
    void certifiedNodesFindEachOtherServeShardsAndRefuseAnotherCa() throws Exception {
        CertificateAuthority network = ca("ca");
        StoqNode a = start(network, "node-a", "zone-a", "");
        StoqNode b = start(network, "node-b", "zone-b", peerAddress(a));
        StoqNode c = start(network, "node-c", "zone-c", peerAddress(a));
        StoqNode x = start(ca("other-ca"), "node-x", "zone-x", peerAddress(a));

        // Seeded only with A, B and C learn each other through gossip; everyone sees everyone alive with an RTT.
        for (StoqNode n : List.of(a, b, c)) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Map<String, JsonNode> seen = listed(n);
                assertThat(seen.keySet()).isEqualTo(Set.of("node-a", "node-b", "node-c"));
                String self = n.identity().nodeId();
                assertThat(seen.get(self).get("liveness").asText()).isEqualTo("SELF");
                assertThat(seen.entrySet()).filteredOn(e -> !e.getKey().equals(self)).allMatch(e -> aliveWithRtt(e.getValue()));
            });
        }
        JsonNode aAtB = listed(b).get("node-a");
        assertThat(aAtB.get("zone").asText()).isEqualTo("zone-a");
        assertThat(aAtB.get("addresses")).extracting(JsonNode::asText).containsExactly(peerAddress(a));
        assertThat(aAtB.get("certSerial").asText()).isEqualTo(a.identity().serial().toString(16));
        HttpResponse<String> one = get(b, "/v1/nodes/node-c");
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(one.body()).get("zone").asText()).isEqualTo("zone-c");

        // The node of another CA is refused at the handshake and never listed anywhere. The peer network id is
        // derived from the CA root, so its HELLO names another network (a foreign chain claiming this network's id
        // is refused CHAIN_REJECTED: stoq-net's HandshakeTest).
        assertThatThrownBy(() -> x.peers().connect(a.peers().localAddress()))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.WRONG_NETWORK));
        assertThat(listed(x).keySet()).containsExactly("node-x");
        for (StoqNode n : List.of(a, b, c)) {
            assertThat(listed(n)).doesNotContainKey("node-x");
        }

        // B fetches, byte-exact, a shard that A stores, over STOQ.
        byte[] shard = new byte[3 * 1024 * 1024 + 17];
        new Random(12).nextBytes(shard);
        Hash256 id = Sha3.hash(shard);
        LocalShardStore aStore = a.shardStore();
        aStore.put(id, shard);
        PeerConnection toA = b.peers().connect(a.peers().localAddress());
        assertThat(b.peers().fetch(toA, id)).isEqualTo(shard);
        // and a small one, which A keeps in its group-committed small-shard store rather than a file
        byte[] small = new byte[2000];
        new Random(14).nextBytes(small);
        aStore.putGrouped(Sha3.hash(small), small).await();
        assertThat(b.peers().fetch(toA, Sha3.hash(small))).isEqualTo(small);
        await().atMost(Duration.ofSeconds(5)).until(() -> listed(b).get("node-a").get("throughputBytesPerSecond").asLong() > 0);

        // A shard from elsewhere is verified on receipt: bytes that do not hash to their id are refused, nothing is kept.
        byte[] pushed = "a shard pushed from B".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Hash256 wrongId = Sha3.hash("something else".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> b.peers().shards().put(toA, wrongId, pushed.length, new ByteArrayInputStream(pushed)))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.INTEGRITY));
        assertThat(aStore.contains(wrongId)).isFalse();
        assertThat(b.peers().shards().put(toA, Sha3.hash(pushed), pushed.length, new ByteArrayInputStream(pushed))).isTrue();
        assertThat(aStore.get(Sha3.hash(pushed))).isEqualTo(pushed);

        // Only verified bytes are served: a shard rotten on A's disk is refused, not sent.
        Path file = dir.resolve("node-a").resolve("shards").resolve(id.toHex().substring(0, 2)).resolve(id.toHex().substring(2, 4))
                .resolve(id.toHex());
        shard[1000] ^= 1;
        Files.write(file, shard);
        assertThatThrownBy(() -> b.peers().shards().get(toA, id, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.INTEGRITY));

        // /metrics: per-peer state, RTT and throughput, tagged by node id; nothing about the refused node.
        HttpResponse<String> metrics = get(b, "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("stoq_peer_up{node=\"node-a\",zone=\"zone-a\",state=\"alive\"} 1.0")
                .contains("stoq_peer_up{node=\"node-c\",zone=\"zone-c\",state=\"dead\"} 0.0")
                .containsPattern("stoq_peer_rtt_seconds\\{node=\"node-a\",zone=\"zone-a\"} [0-9.E-]+")
                .containsPattern("stoq_peer_throughput_bytes_per_second\\{node=\"node-a\",zone=\"zone-a\"} [1-9]")
                .contains("stoq_peer_members 2")
                .doesNotContain("node-x");
        assertThat(get(a, "/metrics").body()).contains("stoq_peer_connections_refused_total{code=\"WRONG_NETWORK\"}");

        // Verified on receipt: a certified peer that sends other bytes than the shard's is caught by the fetching node.
        byte[] lie = new byte[4096];
        new Random(13).nextBytes(lie);
        NodeKeys liarKeys = NodeKeys.generate();
        List<X509Certificate> liarChain = network.issue(NodeCsr.create(liarKeys.falcon(), NodeClaims.of("node-l", "zone-l",
                EnumSet.of(NodeRole.STORAGE), liarKeys.tls().getPublic(), liarKeys.kem().getPublic(), liarKeys.slhDsa().publicKey())),
                Duration.ofDays(30));
        LocalIdentity liarId = LocalIdentity.of(liarKeys, liarChain, network.root(), PeerNetwork.networkId(network.root()));
        ShardStore lying = new ShardStore() {
            @Override
            public OptionalLong size(Hash256 shardId) {
                return OptionalLong.of(lie.length);
            }

            @Override
            public void read(Hash256 shardId, long offset, long length, OutputStream out) throws IOException {
                out.write(lie, (int) offset, (int) length);
            }

            @Override
            public boolean write(Hash256 shardId, long length, InputStream in) {
                return false;
            }
        };
        try (StoqTransport liar = new ShardService(lying, 1 << 20).register(StoqTransport.builder(
                PeerConfig.DEFAULTS.withBind(new InetSocketAddress("127.0.0.1", 0)), liarId)).start()) {
            PeerConnection toLiar = b.peers().connect(liar.localAddress());
            assertThatThrownBy(() -> b.peers().fetch(toLiar, Sha3.hash(shard)))
                    .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.INTEGRITY));
        }

        // A stops: B sees it dead (and C stays alive).
        a.close();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Map<String, JsonNode> seen = listed(b);
            assertThat(seen.get("node-a").get("liveness").asText()).isEqualTo("DEAD");
            assertThat(seen.get("node-a").get("status").asText()).isEqualTo("DOWN");
            assertThat(aliveWithRtt(seen.get("node-c"))).isTrue();
        });
        assertThat(get(b, "/metrics").body()).contains("stoq_peer_up{node=\"node-a\",zone=\"zone-a\",state=\"dead\"} 1.0");
    }
}
