package io.stoq.node.cli.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.stoq.fragmint.client.Http1Client;
import io.stoq.fragmint.http.DataSize;
import io.stoq.ledger.Ledger;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.assets.ManifestSealer;
import io.stoq.node.bench.ClosedLoopLoad;
import io.stoq.node.bench.InProcessNode;
import io.stoq.node.bench.NodeTransfers;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.node.ledger.LedgerService;
import io.stoq.node.store.SmallShardStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stoq bench uploads}: asset uploads per second that a real node sustains with N
 * concurrent keep-alive clients, and their latency, end to end (HTTP, auth, shard pipeline,
 * fsyncs, manifest signature, ledger commit). The node runs in this process on loopback, so client
 * and node share the machine's cores, as they would on a single box.
 *
 * <p>The in-process node ({@link InProcessNode}) and the closed loop ({@link ClosedLoopLoad}) are
 * separate so that further node benchmarks (downloads, a mix) can reuse them.
 */
@Command(
        name = "uploads",
        description = {"Uploads/s and latency of a real node started in this process.",
            "The node runs on 127.0.0.1 (port 0, data in a temp directory, a writer",
            "account); then N clients each POST a new asset of --size bytes over their own",
            "HTTP/1.1 keep-alive connection as soon as the previous one is acknowledged",
            "(201: stored and committed to the ledger). An unmeasured warm-up precedes the",
            "measured run. Node settings are the defaults except a lifted per-key rate",
            "limit; change any with -D.",
            "Other work on the machine changes the figure: the load average is printed",
            "before and after."},
        footer = {"", "Examples:", "  stoq bench uploads --clients 32 --seconds 15 --size 1KiB",
            "  stoq bench uploads --clients 8 --size 1MiB --json \\",
            "      -D ledger.block-interval=10ms",
            "  # the ledger through Raft (one voter; the node's id is dev-node):",
            "  stoq bench uploads --warmup-seconds 45 -D ledger.mode=raft \\",
            "      -D raft.voters=dev-node@127.0.0.1:19123"})
public final class UploadsBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "32",
            description = "Concurrent clients, one connection each (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "15", description = "Measured time (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "5",
            description = "Unmeasured load first, so the JIT has compiled the node's paths (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1KiB", description = "Body of each upload (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = {"Node config override (repeatable), for example",
            "-D ledger.block-interval=10ms"})
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--keep-data", description = "Leave the node's temp directory in place (its path is printed).")
    boolean keepData;

    @Override
    public Integer call() throws Exception {
        DataSize body = parseSize();
        if (clients < 1 || clients > 1024) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--clients must be 1..1024, got " + clients);
        }
        if (!(seconds > 0 && seconds <= 3600) || !(warmupSeconds >= 0 && warmupSeconds <= 3600)) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--seconds must be in (0, 3600] and --warmup-seconds in [0, 3600]");
        }
        PrintWriter out = spec.commandLine().getOut();
        long startNanos = System.nanoTime();
        try (InProcessNode node = InProcessNode.start(overrides, keepData)) {
            text(out, "stoq bench uploads: %d clients, %s bodies, HTTP/1.1 keep-alive, Java %s, %d cores%n", clients,
                    body, Runtime.version(), Runtime.getRuntime().availableProcessors());
            text(out, "node: %s, data %s%s, started and warmed up in %.1f s%n", node.baseUri(), node.dir(),
                    keepData ? " (kept)" : "", (System.nanoTime() - startNanos) / 1e9);
            ClosedLoopLoad.Result warm = null;
            if (warmupSeconds > 0) {
                warm = uploadLoad(node, body, clients, seconds(warmupSeconds));
                text(out, "warm-up: %.1f s, %.1f uploads/s, %d failed%s%n", warmupSeconds, warm.perSecond(), warm.failures(),
                        warm.failures() == 0 ? "" : " (first: " + warm.firstFailure() + ")");
            }
            sealWaiting(node); // the warm-up's bodies are not the run's
            String loadBefore = loadAverage();
            long cpuBefore = NodeTransfers.processCpu().toNanos();
            ManifestSealer.Stats sealedBefore = node.node().manifestBatches();
            SmallShardStore.Stats smallBefore = node.node().shardStore().smallStats();
            long heightBefore = node.node().ledgerHeight();
            Optional<LedgerService.WriterTimings> writerBefore = node.node().ledgerWriterTimings();
            ClosedLoopLoad.Result r = uploadLoad(node, body, clients, seconds(seconds));
            // Manifests are sealed after the commit (about a second later): seal the run's last ones
            // now, so the counts cover every upload and the CPU includes their signatures.
            sealWaiting(node);
            long cpuNanos = NodeTransfers.processCpu().toNanos() - cpuBefore;
            ManifestSealer.Stats sealedAfter = node.node().manifestBatches();
            SmallShardStore.Stats smallAfter = node.node().shardStore().smallStats();
            long blocks = node.node().ledgerHeight() - heightBefore;
            // Empty on a Raft ledger (-D ledger.mode=raft): its blocks are ordered by the group, not timed here.
            Optional<LedgerService.WriterTimings> writer = node.node().ledgerWriterTimings().map(after -> after.since(writerBefore.get()));
            long smallPuts = smallAfter.puts() - smallBefore.puts();
            long smallGroups = smallAfter.groups() - smallBefore.groups();
            double busyCores = (double) cpuNanos / r.elapsed().toNanos();
            double cpuMillisPerUpload = r.requests() == 0 ? 0 : cpuNanos / 1e6 / r.requests();
            long manifests = sealedAfter.manifests() - sealedBefore.manifests();
            long signatures = sealedAfter.signatures() - sealedBefore.signatures();
            String loadAfter = loadAverage();
            if (common.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("java", Runtime.version().toString());
                json.put("cores", Runtime.getRuntime().availableProcessors());
                json.put("clients", clients);
                json.put("bodyBytes", body.bytes());
                json.put("seconds", r.elapsed().toNanos() / 1e9);
                json.put("uploads", r.requests());
                json.put("failed", r.failures());
                json.put("firstFailure", r.firstFailure());
                json.put("warmupUploads", warm == null ? 0 : warm.requests());
                json.put("warmupFailed", warm == null ? 0 : warm.failures());
                json.put("uploadsPerSecond", r.perSecond());
                json.put("p50Millis", millis(r.latency(0.50)));
                json.put("p90Millis", millis(r.latency(0.90)));
                json.put("p99Millis", millis(r.latency(0.99)));
                json.put("maxMillis", millis(r.latency(1.0)));
                json.put("processBusyCores", busyCores);
                json.put("cpuMillisPerUpload", cpuMillisPerUpload);
                json.put("manifestsSealed", manifests);
                json.put("manifestSignatures", signatures);
                json.put("smallShardPuts", smallPuts);
                json.put("smallShardSyncedWrites", smallGroups);
                json.put("ledgerBlocks", blocks);
                writer.ifPresent(w -> json.put("ledgerWriterMillisPerBlock", writerSteps(w)));
                json.put("loadAverageBefore", loadBefore);
                json.put("loadAverageAfter", loadAfter);
                json.put("nodeSettings", node.settings());
                Json.print(out, json);
            } else {
                out.printf("load average before: %s%n", loadBefore);
                out.printf("uploads     %d in %.2f s (%d failed%s)%n", r.requests(), r.elapsed().toNanos() / 1e9, r.failures(),
                        r.firstFailure() == null ? "" : "; first: " + r.firstFailure());
                out.printf("uploads/s   %.1f%n", r.perSecond());
                out.printf("latency     p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", millis(r.latency(0.50)),
                        millis(r.latency(0.90)), millis(r.latency(0.99)), millis(r.latency(1.0)));
                out.printf("process     %.2f cores busy (node and clients together), %.1f ms CPU per upload%n", busyCores,
                        cpuMillisPerUpload);
                out.printf("manifests   %d sealed by %d SLH-DSA signatures (%.1f per signature)%n", manifests, signatures,
                        signatures == 0 ? 0.0 : (double) manifests / signatures);
                out.printf("small store %d shards and manifests in %d synced writes (%.1f per fsync)%n", smallPuts, smallGroups,
                        smallGroups == 0 ? 0.0 : (double) smallPuts / smallGroups);
                out.printf("ledger      %d blocks (%.1f uploads per block)%n", blocks, blocks == 0 ? 0.0 : (double) r.requests() / blocks);
                if (writer.isPresent()) {
                    StringBuilder steps = new StringBuilder();
                    writerSteps(writer.get()).forEach((step, ms) -> steps.append(steps.length() == 0 ? "" : ", ").append(step).append(' ')
                            .append(String.format(Locale.ROOT, "%.2f", ms)));
                    out.printf("writer      ms per block: %s (appender: append, settling)%n", steps);
                }
                out.printf("load average after:  %s%n", loadAfter);
                out.flush();
            }
            if (r.failures() * 100 > r.requests() + r.failures()) {
                throw new NodeException(NodeErrorCode.ILLEGAL_STATE, r.failures() + " of " + (r.requests() + r.failures())
                        + " uploads failed, so the figure means nothing; first failure: " + r.firstFailure());
            }
        }
        return 0;
    }

    /**
     * The ledger writer's time per block, by step. Writer thread: waiting for requests, planning
     * and signing the txs, building the block (the ledger's signature checks, apply with the state
     * root, header signature), waiting for the block before to be written. Appender thread:
     * writing the block (synced write, events) and completing its requests.
     */
    private static Map<String, Double> writerSteps(LedgerService.WriterTimings w) {
        Map<String, Double> out = new LinkedHashMap<>();
        double blocks = Math.max(1, w.blocks());
        Ledger.Timings l = w.ledger();
        out.put("waiting", w.waiting().toNanos() / 1e6 / blocks);
        out.put("signing", w.signing().toNanos() / 1e6 / blocks);
        out.put("checks", l.signatureChecks().toNanos() / 1e6 / blocks);
        out.put("apply", l.apply().toNanos() / 1e6 / blocks);
        out.put("header", l.headerSignature().toNanos() / 1e6 / blocks);
        out.put("stalled", w.stalled().toNanos() / 1e6 / blocks);
        out.put("append", w.appending().toNanos() / 1e6 / blocks);
        out.put("settling", w.settling().toNanos() / 1e6 / blocks);
        return out;
    }

    /**
     * {@code clients} closed-loop clients uploading {@code size}-byte assets to {@code node} for
     * {@code duration}, on Netty HTTP/1.1 connections sharing one event loop (closed on return).
     */
    static ClosedLoopLoad.Result uploadLoad(InProcessNode node, DataSize size, int clients, Duration duration) throws Exception {
        EventLoopGroup loop = Http1Client.eventLoop();
        try {
            return ClosedLoopLoad.run(clients, duration, i -> upload(node, size, i, loop));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** One client: its own HTTP/1.1 connection (kept alive) and its own body, made unique per request. */
    private static ClosedLoopLoad.Request upload(InProcessNode node, DataSize size, int index, EventLoopGroup loop) throws Exception {
        Http1Client[] http = {NodeTransfers.http1Client(node, loop)};
        Map<String, String> headers = Map.of("authorization", "Bearer " + node.apiKey(), "content-type", "application/octet-stream");
        byte[] data = new byte[(int) size.bytes()];
        new Random(index).nextBytes(data);
        long[] sequence = {(long) index << 40};
        return () -> {
            if (data.length >= Long.BYTES) {
                ByteBuffer.wrap(data).putLong(sequence[0]++);
            }
            Http1Client.Response response;
            try {
                response = http[0].send(HttpMethod.POST, "/v1/assets", headers, data, Duration.ofSeconds(60));
            } catch (IOException e) {
                // the connection is gone (the node closes it after some errors): the next request
                // gets a new one, so a failure costs one request, not the rest of the client's run
                http[0].close();
                http[0] = NodeTransfers.http1Client(node, loop);
                throw e;
            }
            if (response.status() != 201) {
                String text = new String(response.body(), StandardCharsets.UTF_8);
                throw new IOException("HTTP " + response.status() + ": " + text.substring(0, Math.min(200, text.length())));
            }
        };
    }

    private DataSize parseSize() throws NodeException {
        try {
            DataSize s = DataSize.parse(size);
            if (s.bytes() > 64L << 20) {
                throw new IllegalArgumentException("at most 64MiB per upload (bodies are held in memory)");
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--size " + size + ": " + e.getMessage());
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }

    /** Has the node seal every committed manifest body waiting for its seal, and waits (at most a minute). */
    private static void sealWaiting(InProcessNode node) throws InterruptedException {
        node.node().manifestSealer().sealNow();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
        while (node.node().manifestBatches().waiting() > 0 && System.nanoTime() < deadline) {
            node.node().manifestSealer().sealNow();
            Thread.sleep(20); // polling a counter, not timing a result
        }
    }

    /** The 1, 5 and 15 minute load averages (Linux), or "unknown". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return one < 0 ? "unknown" : String.format("%.2f", one);
        }
    }


    private void text(PrintWriter out, String format, Object... args) {
        if (!common.json) {
            out.printf(format, args);
            out.flush();
        }
    }
}
