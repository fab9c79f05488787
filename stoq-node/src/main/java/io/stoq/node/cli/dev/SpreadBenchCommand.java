package io.stoq.node.cli.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stoq bench spread}: what spreading an upload over the network costs, as ratios in one
 * run. Three development networks of real node processes on 127.0.0.1 (what {@code stoq dev
 * --nodes N} starts: Raft ledger, STOQ peers, zones round robin), one after the other in a temp
 * directory: one node (every shard stored once, the baseline), three nodes under
 * {@code replicas:3}, and six nodes under {@code erasure:4+2}. Each uploads the same random
 * content through node-1 over HTTP/1.1 and reports MB/s and its ratio to the single node.
 * Random bytes: nothing compresses, so every policy moves the same shards.
 */
@Command(
        name = "spread",
        description = {"Upload MB/s spread over a network, as a ratio to one node, in one run.",
            "Starts development networks of real node processes on 127.0.0.1 in turn: one",
            "node, three nodes (replicas:3) and six nodes (erasure:4+2), and uploads the same",
            "random content through node-1 of each; prints MB/s of each and its ratio to the",
            "single node. Needs free CPU: the nodes share this machine's cores."},
        footer = {"", "Examples:", "  stoq bench spread", "  stoq bench spread --mib 256 --rounds 3 --no-erasure"})
public final class SpreadBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--mib", paramLabel = "MIB", defaultValue = "64", description = "Bytes per upload, in MiB (default: ${DEFAULT-VALUE}).")
    int mib;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "2",
            description = "Uploads per network; the best round counts, the first warms up the nodes (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--no-erasure", description = "Skip the six-node erasure:4+2 network.")
    boolean noErasure;

    @Option(names = "--kill-one", description = {"Measure repair instead: a five-node network under replicas:3, one upload of",
        "--mib, then node-5 killed (kill -9); prints the time from its death to every shard",
        "on three live nodes again (by the ledger's location proofs) and the repair MB/s."})
    boolean killOne;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "30s",
            description = "repair.grace for --kill-one (the node default is 10m) (default: ${DEFAULT-VALUE}).")
    String grace;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One measured network: how many nodes, under which policy. */
    private record Case(String name, int nodes, String policy) {}

    @Override
    public Integer call() throws Exception {
        if (mib < 1 || mib > 4096 || rounds < 1 || rounds > 20) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--mib 1..4096, --rounds 1..20");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        byte[] content = new byte[mib << 20];
        new Random(13).nextBytes(content);
        if (killOne) {
            return new RepairBench(content, grace, out, err, common.json).run();
        }
        List<Case> cases = new ArrayList<>(List.of(new Case("single node", 1, "replicas:1"), new Case("3 nodes", 3, "replicas:3")));
        if (!noErasure) {
            cases.add(new Case("6 nodes", 6, "erasure:4+2"));
        }
        Map<String, Object> results = new LinkedHashMap<>();
        double base = 0;
        for (Case c : cases) {
            double mbps = measure(c, content, err);
            if (base == 0) {
                base = mbps;
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("nodes", c.nodes());
            r.put("policy", c.policy());
            r.put("uploadMBps", Math.round(mbps * 100) / 100.0);
            r.put("ratioToSingleNode", Math.round(mbps / base * 1000) / 1000.0);
            results.put(c.nodes() + "x " + c.policy(), r);
            if (!common.json) {
                out.printf("%-12s %-12s upload %8.2f MB/s   ratio to single node %.3f%n", c.name(), c.policy(), mbps, mbps / base);
                out.flush();
            }
        }
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("mib", mib);
            json.put("rounds", rounds);
            json.put("cores", Runtime.getRuntime().availableProcessors());
            json.put("results", results);
            Json.print(out, json);
        }
        out.flush();
        return 0;
    }

    /** Starts the network of {@code c}, uploads {@link #rounds} times through node-1, stops it; the best MB/s. */
    private double measure(Case c, byte[] content, PrintWriter err) throws Exception {
        Path dir = Files.createTempDirectory("stoq-bench-spread");
        DevNetwork net = null;
        try {
            DevNetworkLayout layout = DevNetworkLayout.prepare(dir, c.nodes());
            err.printf("stoq bench spread: starting %d node(s) for %s (logs in %s)%n", c.nodes(), c.policy(), dir);
            err.flush();
            net = DevNetwork.start(layout, List.of(), err);
            String url = net.baseUrls().get(0);
            String key = Files.readString(layout.adminKeyFile(), StandardCharsets.US_ASCII).trim();
            awaitAlive(url, key, c.nodes());
            double best = 0;
            for (int round = 0; round < rounds; round++) {
                long start = System.nanoTime();
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/assets"))
                        .header("Authorization", "Bearer " + key).header("Content-Type", "application/octet-stream")
                        .header("X-Stoq-Redundancy", c.policy()).timeout(Duration.ofMinutes(30))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
                double seconds = (System.nanoTime() - start) / 1e9;
                if (r.statusCode() != 201) {
                    throw new NodeException(NodeErrorCode.UNAVAILABLE, "upload under " + c.policy() + " to " + c.nodes()
                            + " node(s) answered " + r.statusCode() + ": " + r.body());
                }
                double mbps = content.length / 1e6 / seconds;
                err.printf("  round %d: %.1f s, %.2f MB/s%n", round + 1, seconds, mbps);
                err.flush();
                best = Math.max(best, mbps);
            }
            return best;
        } finally {
            stopAndRemove(net, dir, err);
        }
    }

    /** Stops a benchmark's scratch network (when it started) and deletes its data directory. */
    static void stopAndRemove(DevNetwork net, Path dir, PrintWriter err) {
        if (net != null) {
            net.stop();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            err.printf("could not remove %s: %s%n", dir, e.getMessage());
        }
    }

    /** Waits until node-1 hears every other node alive (so placement sees the whole network). */
    static void awaitAlive(String url, String key, int nodes) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/nodes"))
                    .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            int alive = 0;
            if (r.statusCode() == 200) {
                JsonNode body = new ObjectMapper().readTree(r.body());
                JsonNode list = body.isArray() ? body : body.path("nodes");
                for (JsonNode n : list) {
                    String l = n.path("liveness").asText("");
                    if (l.equalsIgnoreCase("alive") || l.equalsIgnoreCase("self")) {
                        alive++;
                    }
                }
            }
            if (alive >= nodes) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new NodeException(NodeErrorCode.UNAVAILABLE, "node-1 hears " + alive + " of " + nodes + " nodes alive after 5 minutes");
            }
            Thread.sleep(500); // polling a remote process: nothing to wait on but its answer
        }
    }
}
