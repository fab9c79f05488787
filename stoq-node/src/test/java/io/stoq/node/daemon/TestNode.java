package io.stoq.node.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.node.config.NodeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real {@link StoqNode} (dev identity, RocksDB, shard store, ledger, API server) on 127.0.0.1
 * with ephemeral ports in a temp directory, plus writer accounts alice and bob and reader rita,
 * each with an API key and a TOTP secret. The clock is real time plus an offset that {@link #totp}
 * moves one TOTP step, so each code is fresh (codes are single-use).
 */
final class TestNode implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final Path dir;
    final SteppingClock clock = new SteppingClock();
    final Map<String, String> keys = new HashMap<>();
    final Map<String, TotpSecret> secrets = new HashMap<>();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    final Map<String, String> extraConfig;
    StoqNode node;

    TestNode() throws Exception {
        this(Map.of());
    }

    /** A node with these config overrides on top of the test defaults. */
    TestNode(Map<String, String> extraConfig) throws Exception {
        this.extraConfig = Map.copyOf(extraConfig);
        dir = Files.createTempDirectory("stoq-node-test");
        DevIdentity.ensure(dir);
        start();
        keys.put("admin", Files.readString(node.devAdmin().keyFile()).trim());
        for (Object[] a : new Object[][] {{"alice", Role.WRITER}, {"bob", Role.WRITER}, {"rita", Role.READER}}) {
            String id = (String) a[0];
            var store = node.accounts().accounts();
            store.create(id, (Role) a[1], id);
            ApiKeys.Issued k = ApiKeys.issue(id, "test", clock.instant(), null);
            store.addApiKey(k.stored());
            keys.put(id, k.plaintext());
            TotpSecret s = Totp.newSecret();
            store.setTotpSecret(id, s);
            secrets.put(id, s);
        }
    }

    void start() throws Exception {
        Map<String, String> overrides = new HashMap<>(Map.of("data.dir", dir.toString(), "api.port", "0",
                "store.min-free", "0B", "ledger.block-interval", "5ms", "shard.parallelism", "2", "peer.bind", "127.0.0.1:0"));
        overrides.putAll(extraConfig);
        NodeConfig config = NodeConfig.load(null, Map.of(), overrides);
        node = StoqNode.start(config, clock, true);
    }

    void restart() throws Exception {
        node.close();
        start();
    }

    String totp(String account) {
        clock.step();
        return Totp.code(secrets.get(account), clock.instant());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + node.port() + path);
    }

    HttpRequest.Builder request(String path, String account) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(120));
        if (account != null) {
            b.header("Authorization", "Bearer " + keys.get(account));
        }
        return b;
    }

    HttpResponse<byte[]> send(HttpRequest r) throws IOException, InterruptedException {
        return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** The hashes of every shard and manifest in the shard store (files, and small ones in its RocksDB). */
    java.util.Set<io.stoq.crypto.hash.Hash256> storedHashes() throws Exception {
        java.util.Set<io.stoq.crypto.hash.Hash256> all = new java.util.HashSet<>();
        node.shardStore().forEach(all::add);
        return all;
    }

    /** Shards and manifests in the shard store: files, and the small ones kept in its RocksDB. */
    long storedFiles() throws Exception {
        java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
        node.shardStore().forEach(h -> n.incrementAndGet());
        return n.get();
    }

    @Override
    public void close() throws IOException {
        if (node != null) {
            node.close();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Real time plus an offset that only grows. */
    static final class SteppingClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void step() {
            offset = offset.plusSeconds(30);
        }

        /** Moves the clock forward by {@code d} (never back: TOTP codes stay fresh). */
        void advance(Duration d) {
            offset = offset.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }
}
