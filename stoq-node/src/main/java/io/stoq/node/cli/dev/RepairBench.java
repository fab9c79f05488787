package io.stoq.node.cli.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code stoq bench spread --kill-one}: issue 13's repair figures. A five-node development
 * network (real node processes, zones round robin, every node a Raft voter) with
 * {@code repair.grace} lowered (the node default of 10 minutes would dominate the figure, and is
 * a policy choice, not repair's speed) and audits off (their fetches would count in the repair
 * bytes), one upload under {@code replicas:3} through node-1, then
 * node-5 killed with SIGKILL. It polls node-1's {@code /v1/assets/{id}/locations} every second
 * until every shard is listed on three nodes other than node-5 (new location proofs committed),
 * and the survivors' {@code stoq_repair_bytes_total}. Prints the time from the kill to full
 * policy, the bytes repair moved, and repair MB/s over the time from the first repaired byte to
 * full policy (the rate repair itself ran at) and over the whole time from the death; each with
 * the machine's load average.
 */
final class RepairBench {
    private static final int NODES = 5;
    private final byte[] content;
    private final String grace;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;

    RepairBench(byte[] content, String grace, PrintWriter out, PrintWriter err, boolean json) {
        this.content = content;
        this.grace = grace;
        this.out = out;
        this.err = err;
        this.json = json;
    }

    int run() throws Exception {
        Path dir = Files.createTempDirectory("stoq-bench-repair");
        DevNetwork net = null;
        try {
            DevNetworkLayout layout = DevNetworkLayout.prepare(dir, NODES);
            err.printf("stoq bench spread --kill-one: starting %d nodes, repair.grace=%s (logs in %s)%n", NODES, grace, dir);
            err.flush();
            net = DevNetwork.start(layout, List.of("-D", "repair.grace=" + grace, "-D", "repair.interval=2s", "-D", "repair.audits-per-peer=0"), err);
            List<String> urls = net.baseUrls();
            String key = Files.readString(layout.adminKeyFile(), StandardCharsets.US_ASCII).trim();
            SpreadBenchCommand.awaitAlive(urls.get(0), key, NODES);
            long upStart = System.nanoTime();
            HttpResponse<String> r = SpreadBenchCommand.HTTP.send(HttpRequest.newBuilder(URI.create(urls.get(0) + "/v1/assets"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/octet-stream")
                    .header("X-Stoq-Redundancy", "replicas:3").timeout(Duration.ofMinutes(60))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new NodeException(NodeErrorCode.UNAVAILABLE, "upload answered " + r.statusCode() + ": " + r.body());
            }
            String id = new ObjectMapper().readTree(r.body()).get("id").asText();
            err.printf("  uploaded %d MiB in %.1f s; waiting for every shard's three proofs%n", content.length >> 20,
                    (System.nanoTime() - upStart) / 1e9);
            err.flush();
            String victim = "node-" + NODES;
            await(() -> onThree(urls.get(0), key, id, null), Duration.ofMinutes(10), "every shard proved on three nodes");
            List<String> survivors = urls.subList(0, NODES - 1);
            long before = repairBytes(survivors, key);
            long pid = net.pids().get(NODES - 1);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL: no shutdown hook runs
            long killed = System.nanoTime();
            double loadAtKill = load();
            long firstByte = 0;
            long shards = 0;
            while (true) {
                long now = System.nanoTime();
                if (firstByte == 0 && repairBytes(survivors, key) > before) {
                    firstByte = now;
                }
                long n = onThree(urls.get(0), key, id, victim);
                if (n > 0) {
                    shards = n;
                    break;
                }
                if (now - killed > Duration.ofMinutes(60).toNanos()) {
                    throw new NodeException(NodeErrorCode.UNAVAILABLE, "not back to full policy an hour after " + victim + " was killed");
                }
                Thread.sleep(1000); // polling remote processes: nothing to wait on but their answers
            }
            long full = System.nanoTime();
            long moved = repairBytes(survivors, key) - before;
            double total = (full - killed) / 1e9;
            double repairing = firstByte == 0 ? total : (full - firstByte) / 1e9;
            double loadAtEnd = load();
            if (json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("mib", content.length >> 20);
                j.put("nodes", NODES);
                j.put("shards", shards);
                j.put("repairGrace", grace);
                j.put("deathToFullPolicySeconds", Math.round(total * 10) / 10.0);
                j.put("repairBytes", moved);
                j.put("repairSeconds", Math.round(repairing * 10) / 10.0);
                j.put("repairMBps", Math.round(moved / 1e6 / repairing * 100) / 100.0);
                j.put("repairMBpsSinceDeath", Math.round(moved / 1e6 / total * 100) / 100.0);
                j.put("loadAverage", List.of(loadAtKill, loadAtEnd));
                Json.print(out, j);
            } else {
                out.printf("%d MiB under replicas:3 on %d nodes (%d shards), %s killed, repair.grace=%s%n", content.length >> 20, NODES,
                        shards, victim, grace);
                out.printf("death to full policy   %8.1f s   (load average %.1f at the kill, %.1f at the end)%n", total, loadAtKill,
                        loadAtEnd);
                out.printf("repair moved           %8.1f MB  (survivors' stoq_repair_bytes_total)%n", moved / 1e6);
                out.printf("repair MB/s            %8.2f     over %.1f s from the first repaired byte to full policy%n",
                        moved / 1e6 / repairing, repairing);
                out.printf("repair MB/s since death%8.2f     over the whole %.1f s (grace and failure detection included)%n",
                        moved / 1e6 / total, total);
            }
            out.flush();
            return 0;
        } finally {
            SpreadBenchCommand.stopAndRemove(net, dir, err);
        }
    }

    private static double load() {
        return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 10) / 10.0;
    }

    private interface Probe {
        long count() throws Exception;
    }

    private static void await(Probe p, Duration atMost, String what) throws Exception {
        long end = System.nanoTime() + atMost.toNanos();
        while (p.count() <= 0) {
            if (System.nanoTime() > end) {
                throw new NodeException(NodeErrorCode.UNAVAILABLE, "not reached within " + atMost.toMinutes() + " min: " + what);
            }
            Thread.sleep(1000);
        }
    }

    /**
     * The number of shards when every shard of {@code id} is listed by node {@code url}'s
     * /locations on at least three nodes other than {@code except}; 0 otherwise.
     */
    private static long onThree(String url, String key, String id, String except) throws Exception {
        HttpResponse<String> r = SpreadBenchCommand.HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/assets/" + id + "/locations"))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return 0;
        }
        long n = 0;
        for (JsonNode shard : new ObjectMapper().readTree(r.body()).path("shards")) {
            int live = 0;
            for (JsonNode node : shard.path("nodes")) {
                if (!node.asText().equals(except)) {
                    live++;
                }
            }
            if (live < 3) {
                return 0;
            }
            n++;
        }
        return n;
    }

    /** The sum of {@code stoq_repair_bytes_total} over {@code urls}' /metrics (a node that does not answer counts 0). */
    private static long repairBytes(List<String> urls, String key) throws InterruptedException {
        long sum = 0;
        for (String url : urls) {
            try {
                HttpResponse<String> r = SpreadBenchCommand.HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics"))
                        .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                for (String line : r.body().split("\n")) {
                    if (line.startsWith("stoq_repair_bytes_total ")) {
                        sum += (long) Double.parseDouble(line.substring("stoq_repair_bytes_total ".length()).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // a node busy past the timeout: its bytes are counted at the next poll
            }
        }
        return sum;
    }
}
