package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stoq dev --nodes 3} as a real process tree (the {@code ./stoq} launcher, the way a
 * newcomer runs it): three URLs on stdout, each node healthy and listing all three, a write
 * through node 1 seen in node 3's ledger head, a write through every node and node 1's asset read
 * through every node (so a follower's admin write is signed on the leader), one admin key for all,
 * pid files of live processes,
 * SIGTERM to the parent stops all three, and a restart on the same DATA keeps the ledger.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DevNetworkProcessIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path work;

    private DevProcess startNetwork() throws Exception {
        return DevProcess.start(work, DevProcess.LAUNCHER.toString(), work.resolve("dev.err"), 3, "--nodes", "3", "--data", "data",
                "-D", "ledger.block-interval=5ms", "-D", "store.min-free=0B", "-D", "discovery.heartbeat-interval=200ms",
                "-D", "discovery.gossip-interval=200ms");
    }

    private HttpResponse<String> get(String base, String path, String key) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
    }

    private long head(String base, String key) throws Exception {
        HttpResponse<String> r = get(base, "/v1/ledger/blocks?limit=1", key);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestNode.JSON.readTree(r.body()).get("items").get(0).get("height").asLong();
    }

    /** POSTs {@code text} as a new asset through {@code base} and returns its id (201 expected). */
    private String upload(String base, String key, String text) throws Exception {
        HttpResponse<String> put = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/assets"))
                .timeout(Duration.ofSeconds(120)).header("Authorization", "Bearer " + key).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as("upload through %s: %s", base, put.body()).isEqualTo(201);
        return TestNode.JSON.readTree(put.body()).get("id").asText();
    }

    private List<Long> pids() throws Exception {
        List<Long> pids = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            pids.add(Long.parseLong(Files.readString(work.resolve("data/node-" + i + "/pid")).trim()));
        }
        return pids;
    }

    @Test
    void threeNodesShareOneLedgerStopTogetherAndRestartWithTheirData() throws Exception {
        long height;
        List<Long> pids;
        try (DevProcess net = startNetwork()) {
            List<String> urls = net.baseUrls();
            assertThat(urls).hasSize(3).doesNotHaveDuplicates();
            String key = Files.readString(work.resolve("data/dev-admin.key")).trim();
            for (String base : urls) {
                HttpResponse<String> health = get(base, "/healthz", key);
                assertThat(health.statusCode()).as("health of %s: %s", base, health.body()).isEqualTo(200);
            }
            // Every node lists all three, alive (discovery over STOQ between the processes).
            for (String base : urls) {
                await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
                    HttpResponse<String> r = get(base, "/v1/nodes", key);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    Set<String> up = new HashSet<>();
                    Set<String> zones = new HashSet<>();
                    for (JsonNode n : TestNode.JSON.readTree(r.body())) {
                        if ("UP".equals(n.get("status").asText())) {
                            up.add(n.get("id").asText());
                            // round robin over three zones: node-N in zone-N for the first three
                            assertThat(n.get("zone").asText()).as(r.body()).isEqualTo("zone-" + n.get("id").asText().substring(5));
                            zones.add(n.get("zone").asText());
                        }
                    }
                    assertThat(up).as("%s lists", base).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
                    assertThat(zones).hasSize(3);
                });
            }
            pids = pids();
            assertThat(pids).doesNotHaveDuplicates().allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());
            assertThat(pids).doesNotContain(net.process().pid());

            // A write through node 1 (with the one admin key) is in node 3's ledger.
            long before = head(urls.get(2), key);
            String asset = upload(urls.get(0), key, "one ledger for three nodes");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(head(urls.get(2), key)).isGreaterThan(before));
            // The admin writes through every node, so through at least one follower: its custodial key
            // is signed for on the leader (raft.leader-signing, on by default), and every node holds a
            // share of the key epoch it is sealed to (the founders' ML-KEM keys; before, nodes 2 and 3
            // had none: their writes failed 500 and node 1's, forwarded to them, 503). Every node
            // serves the asset written through node 1.
            for (String base : urls) {
                upload(base, key, "written through " + base);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    HttpResponse<String> r = get(base, "/v1/assets/" + asset + "/content", key);
                    assertThat(r.statusCode()).as("download through %s: %s", base, r.body()).isEqualTo(200);
                    assertThat(r.body()).isEqualTo("one ledger for three nodes");
                });
            }
            height = head(urls.get(0), key);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(head(urls.get(1), key)).isEqualTo(height);
                assertThat(head(urls.get(2), key)).isEqualTo(height);
            });

            // Every node serves S3; the admin's credentials in data/dev-s3.env (node 1 made the key) work on every node.
            s3ThroughEveryNode(urls, key);

            // SIGTERM to the parent stops all three.
            net.stop();
        }
        for (long pid : pids) {
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            assertThat(h.map(ProcessHandle::isAlive).orElse(false)).as("node process %d is gone", pid).isFalse();
        }
        for (int i = 1; i <= 3; i++) {
            assertThat(work.resolve("data/node-" + i + "/pid")).doesNotExist();
        }

        // A restart on the same DATA: same ports, same ledger.
        try (DevProcess again = startNetwork()) {
            String key = Files.readString(work.resolve("data/dev-admin.key")).trim();
            for (String base : again.baseUrls()) {
                await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(head(base, key)).isGreaterThanOrEqualTo(height));
            }
            again.stop();
        }
    }

    private void s3ThroughEveryNode(List<String> urls, String key) throws Exception {
        java.util.Properties env = new java.util.Properties();
        try (var in = Files.newBufferedReader(work.resolve("data/dev-s3.env"))) {
            env.load(in);
        }
        URI endpoint = URI.create(env.getProperty("AWS_ENDPOINT_URL"));
        assertThat(endpoint.getHost()).isEqualTo("127.0.0.1");
        try (software.amazon.awssdk.services.s3.S3Client s3 = s3Client(env, endpoint)) {
            s3.createBucket(b -> b.bucket("demo"));
            s3.putObject(b -> b.bucket("demo").key("hello.txt"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("written through node 1's S3 gateway"));
            assertThat(s3.getObjectAsBytes(b -> b.bucket("demo").key("hello.txt")).asUtf8String())
                    .isEqualTo("written through node 1's S3 gateway");
        }
        // Node 3's gateway (its endpoint line is in its log) takes the same key: S3 keys are network state.
        String line = Files.readAllLines(work.resolve("data/node-3/node.log")).stream().filter(l -> l.startsWith("S3 endpoint: "))
                .reduce((a, b) -> b).orElseThrow();
        URI third = URI.create(line.substring("S3 endpoint: ".length()).trim());
        assertThat(third).isNotEqualTo(endpoint);
        try (software.amazon.awssdk.services.s3.S3Client s3 = s3Client(env, third)) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                    assertThat(s3.getObjectAsBytes(b -> b.bucket("demo").key("hello.txt")).asUtf8String())
                            .isEqualTo("written through node 1's S3 gateway"));
        }
        // The object is an asset on the one ledger: node 3 lists it.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HttpResponse<String> r = get(urls.get(2), "/v1/assets?owner=admin", key);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("hello.txt");
        });
    }

    private static software.amazon.awssdk.services.s3.S3Client s3Client(java.util.Properties env, URI endpoint) {
        return software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(endpoint).region(software.amazon.awssdk.regions.Region.of(env.getProperty("AWS_DEFAULT_REGION")))
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(env.getProperty("AWS_ACCESS_KEY_ID"),
                                env.getProperty("AWS_SECRET_ACCESS_KEY"))))
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build();
    }
}
