package io.stoq.node.cli.bench;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.bench.ClosedLoopLoad;
import io.stoq.node.bench.InProcessNode;
import io.stoq.node.bench.NodeTransfers;
import io.stoq.node.bench.NodeTransfers.FileSpec;
import io.stoq.node.bench.NodeTransfers.Phase;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.fragmint.http.DataSize;
import io.stoq.shard.AssetEncoder;
import io.stoq.shard.AssetId;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.codec.ShardSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stoq bench node}: what a real node moves, against what its own shard pipeline does on the
 * same machine in the same run. One process: the pipeline alone first (the figure of
 * {@code stoq bench shard}, on the same corpus), then an in-process node on loopback
 * ({@link InProcessNode}) and N clients uploading and downloading the corpus over HTTP/1.1 and
 * HTTP/3, then the small-asset figure of {@code stoq bench uploads}. Reports MB/s of each phase
 * and its ratio to the pipeline, bytes stored per byte uploaded, and the heap left after GC.
 */
@Command(
        name = "node",
        description = {"A real node's upload and download speed against its own pipeline.",
            "A generated corpus (40%% random, 40%% text, 20%% near-duplicate files) goes up",
            "and down over HTTP/1.1 and HTTP/3 with N clients to a node in this process on",
            "127.0.0.1; MB/s of each phase is printed as a ratio to the shard pipeline",
            "measured in the same run, with bytes stored per byte uploaded, the heap after",
            "GC (peak of the samples) and 1 KiB uploads/s with 32 clients (the figure of",
            "stoq bench uploads)."},
        footer = {"", "Examples:", "  stoq bench node --corpus-mib 1024 --clients 4",
            "  stoq bench node --corpus-mib 256 --no-http3 --small-seconds 0 --json"})
public final class NodeBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--corpus-mib", paramLabel = "MIB", defaultValue = "512", description = "Corpus size (default: ${DEFAULT-VALUE}).")
    long corpusMib;

    @Option(names = "--file-mib", paramLabel = "MIB", defaultValue = "32", description = "Size of each file (default: ${DEFAULT-VALUE}).")
    long fileMib;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "4", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--no-http3", description = "Skip the HTTP/3 phases.")
    boolean noHttp3;

    @Option(names = "--no-download", description = "Skip the download phases.")
    boolean noDownload;

    @Option(names = "--pipeline-runs", paramLabel = "N", defaultValue = "3",
            description = "Measured pipeline runs over the corpus, median reported; 0 skips the pipeline (default: ${DEFAULT-VALUE}).")
    int pipelineRuns;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "10",
            description = "Unmeasured pipeline runs first, so the JIT has compiled it (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--warmup-files", paramLabel = "N", defaultValue = "-1",
            description = "Files uploaded and downloaded unmeasured first, in rounds (at most 8) until the JIT compiles for "
                    + "under 5%% of one, so the measured phases run compiled code; -1 means one per client (default: ${DEFAULT-VALUE}).")
    int warmupFiles;

    @Option(names = "--small-seconds", paramLabel = "S", defaultValue = "10",
            description = "Measured time of the 1 KiB upload loop with 32 clients; 0 skips it (default: ${DEFAULT-VALUE}).")
    double smallSeconds;

    @Option(names = "--small-warmup-seconds", paramLabel = "S", defaultValue = "30",
            description = "Unmeasured 1 KiB uploads first: on 2 cores, code run once per upload reached the JIT's second "
                    + "tier 37-43 s into a cold loop (docs/benchmarks.md) (default: ${DEFAULT-VALUE}).")
    double smallWarmupSeconds;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Node config override (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--keep-data", description = "Leave the node's temp directory in place (its path is printed).")
    boolean keepData;

    @Option(names = "--write-corpus", paramLabel = "DIR",
            description = "Only write the corpus as files into DIR (for side-by-side runs of other tools) and exit.")
    Path writeCorpus;

    /** Median MB per process CPU-second of the pipeline runs. */
    private double pipelinePerCpu;

    @Override
    public Integer call() throws Exception {
        if (clients < 1 || clients > 256 || corpusMib < 1 || fileMib < 1 || pipelineRuns < 0) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--clients must be 1..256, --corpus-mib and --file-mib >= 1, --pipeline-runs >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<FileSpec> files = NodeTransfers.corpus(corpusMib << 20, fileMib << 20, 2026);
        long corpusBytes = files.stream().mapToLong(FileSpec::size).sum();
        if (writeCorpus != null) {
            Files.createDirectories(writeCorpus);
            for (int i = 0; i < files.size(); i++) {
                FileSpec f = files.get(i);
                try (InputStream in = f.open()) {
                    Files.copy(in, writeCorpus.resolve(String.format("%04d-%s.dat", i, f.flipAt() >= 0 ? "copy"
                            : f.kind().name().toLowerCase(java.util.Locale.ROOT))));
                }
            }
            text(out, "wrote %d files, %d bytes, to %s%n", files.size(), corpusBytes, writeCorpus);
            return 0;
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("java", Runtime.version().toString());
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        json.put("clients", clients);
        json.put("files", files.size());
        json.put("corpusBytes", corpusBytes);
        json.put("loadAverageBefore", UploadsBenchCommand.loadAverage());
        text(out, "stoq bench node: %d files, %.0f MB (40%% random, 40%% text, 20%% near-duplicates), %d clients, Java %s, "
                + "%d cores, max heap %d MiB, load average %s%n", files.size(), corpusBytes / 1e6, clients, Runtime.version(),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, json.get("loadAverageBefore"));
        AesGcm.warmUp();
        double pipeline = pipelineRuns > 0 ? pipeline(files, out) : 0;
        json.put("pipelineMBps", pipeline);
        json.put("pipelineMBperCpuSecond", pipelinePerCpu);

        try (NodeTransfers.HeapWatch heap = new NodeTransfers.HeapWatch();
                InProcessNode node = InProcessNode.start(overrides, keepData)) {
            text(out, "node: %s, data %s%s%n", node.baseUri(), node.dir(), keepData ? " (kept)" : "");
            Path shards = node.dir().resolve("shards");
            int warm = Math.min(files.size(), warmupFiles < 0 ? clients : warmupFiles);
            if (warm > 0) {
                json.put("warmupRounds", warmUp(node, files.subList(0, warm), out));
            }
            String[] ids = new String[files.size()];
            long before = storedBytes(shards);
            Phase up1 = check(NodeTransfers.uploadHttp1(node, files, clients, ids), "HTTP/1.1 upload");
            long stored = storedBytes(shards) - before;
            report(out, json, "http1Upload", up1, pipeline);
            json.put("storedPerUploadedByte", (double) stored / corpusBytes);
            text(out, "stored        %.3f bytes per byte uploaded (%.0f MB for %.0f MB)%n", (double) stored / corpusBytes,
                    stored / 1e6, corpusBytes / 1e6);
            Phase down1 = null;
            if (!noDownload) {
                down1 = check(NodeTransfers.downloadHttp1(node, files, clients, ids), "HTTP/1.1 download");
                report(out, json, "http1Download", down1, pipeline);
            }
            if (!noHttp3) {
                NodeTransfers.Http3Settings h3 = NodeTransfers.Http3Settings.matching(overrides);
                json.put("http3Transport", node.node().server().http3Transport());
                text(out, "HTTP/3        over %s (node and clients), congestion control %s%n",
                        node.node().server().http3Transport(), h3.congestion().name().toLowerCase(java.util.Locale.ROOT));
                Phase up3 = check(NodeTransfers.uploadHttp3(node, files, clients, ids, h3), "HTTP/3 upload");
                report(out, json, "http3Upload", up3, pipeline);
                json.put("http3UploadToHttp1", up3.megabytesPerSecond() / up1.megabytesPerSecond());
                text(out, "h3 / h1       upload %.2f%n", up3.megabytesPerSecond() / up1.megabytesPerSecond());
                if (!noDownload) {
                    Phase down3 = check(NodeTransfers.downloadHttp3(node, files, clients, ids, h3), "HTTP/3 download");
                    report(out, json, "http3Download", down3, pipeline);
                    if (down1 != null) {
                        json.put("http3DownloadToHttp1", down3.megabytesPerSecond() / down1.megabytesPerSecond());
                        text(out, "h3 / h1       download %.2f%n", down3.megabytesPerSecond() / down1.megabytesPerSecond());
                    }
                }
            }
            System.gc();
            long finalHeap = NodeTransfers.HeapWatch.afterGc();
            json.put("heapAfterGcPeakMiB", heap.peak() >> 20);
            json.put("heapAfterGcEndMiB", finalHeap >> 20);
            text(out, "heap          after GC: peak %d MiB during the transfers, %d MiB at the end (max heap %d MiB)%n",
                    heap.peak() >> 20, finalHeap >> 20, Runtime.getRuntime().maxMemory() >> 20);
            if (smallSeconds > 0) {
                small(node, out, json);
            }
        }
        json.put("loadAverageAfter", UploadsBenchCommand.loadAverage());
        if (common.json) {
            Json.print(out, json);
        } else {
            out.printf("load average after: %s%n", json.get("loadAverageAfter"));
            out.flush();
        }
        return 0;
    }

    /** Warm-up rounds stop once the JIT compiled for less than this share of a round's wall time. */
    static final double JIT_QUIET_SHARE = 0.05;
    /** At most this many warm-up rounds, quiet JIT or not. */
    static final int MAX_WARMUP_ROUNDS = 8;

    /**
     * Uploads and downloads {@code first} (over HTTP/3 too unless skipped), unmeasured, in rounds
     * until the JIT is quiet. One round of one file per client was not enough: a JFR recording of
     * the measured HTTP/1.1 upload after it found 1,375 compilations and 7.1 s of C2 time in its
     * 11 s, a third of this 2-core machine, so the figure was of code still being compiled.
     *
     * @return the rounds run
     */
    private int warmUp(InProcessNode node, List<FileSpec> first, PrintWriter out) throws Exception {
        NodeTransfers.Http3Settings h3 = noHttp3 ? null : NodeTransfers.Http3Settings.matching(overrides);
        for (int round = 1; ; round++) {
            Duration jit = NodeTransfers.jitTime();
            long start = System.nanoTime();
            String[] warmIds = new String[first.size()];
            check(NodeTransfers.uploadHttp1(node, first, clients, warmIds), "warm-up upload");
            check(NodeTransfers.downloadHttp1(node, first, clients, warmIds), "warm-up download");
            if (h3 != null) {
                // HTTP/3 runs other code (QUIC, the HTTP/3 codecs, its client): compiled before
                // it is measured too, or the JIT's work lands in the HTTP/3 figures alone.
                check(NodeTransfers.uploadHttp3(node, first, clients, warmIds, h3), "HTTP/3 warm-up upload");
                check(NodeTransfers.downloadHttp3(node, first, clients, warmIds, h3), "HTTP/3 warm-up download");
            }
            double share = NodeTransfers.jitTime().minus(jit).toNanos() / (double) (System.nanoTime() - start);
            text(out, "warm-up       round %d: %d files up and down%s, unmeasured; the JIT compiling for %.0f%% of it%n", round,
                    first.size(), h3 == null ? "" : " over HTTP/1.1 and HTTP/3", 100 * share);
            if (share < JIT_QUIET_SHARE || round == MAX_WARMUP_ROUNDS) {
                return round;
            }
        }
    }

    /** The shard pipeline alone over the corpus (sequential files, discarding sink): median MB/s. */
    private double pipeline(List<FileSpec> files, PrintWriter out) throws Exception {
        SigningKey signer = SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        var kem = KemAlgorithm.ML_KEM_768.generateKeyPair();
        int threads = Runtime.getRuntime().availableProcessors();
        List<Double> runs = new ArrayList<>();
        List<Double> perCpu = new ArrayList<>();
        try (ShardEncoder encoder = new ShardEncoder(threads)) {
            AssetEncoder assets = new AssetEncoder(encoder, signer, List.of(kem.getPublic()));
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            while (System.nanoTime() < warmEnd) {
                encode(assets, files.get(0));
            }
            for (int r = 0; r < pipelineRuns; r++) {
                Duration cpu = NodeTransfers.processCpu();
                Duration jit = NodeTransfers.jitTime();
                long start = System.nanoTime();
                long bytes = 0;
                for (FileSpec f : files) {
                    bytes += encode(assets, f);
                }
                double mbs = bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
                double mbPerCpu = bytes / 1e6 / (NodeTransfers.processCpu().minus(cpu).toNanos() / 1e9);
                runs.add(mbs);
                perCpu.add(mbPerCpu);
                text(out, "pipeline      run %d: %.1f MB/s, %.1f MB per CPU-second (JIT compiling %.1f s of it)%n", r + 1, mbs, mbPerCpu,
                        NodeTransfers.jitTime().minus(jit).toNanos() / 1e9);
            }
        }
        Collections.sort(runs);
        Collections.sort(perCpu);
        double median = runs.get(runs.size() / 2);
        pipelinePerCpu = perCpu.get(perCpu.size() / 2);
        text(out, "pipeline      %.1f MB/s, %.1f MB per CPU-second (medians of %d; AssetEncoder, %d threads, discarding sink)%n",
                median, pipelinePerCpu, runs.size(), threads);
        return median;
    }

    private static long encode(AssetEncoder assets, FileSpec f) throws Exception {
        try (InputStream in = f.open()) {
            assets.encode(in, new AssetEncoder.Request(AssetId.random(), 1, OptionalLong.of(f.size()), RedundancyPolicy.DEFAULT, null),
                    ShardSink.DISCARD);
        }
        return f.size();
    }

    private void small(InProcessNode node, PrintWriter out, Map<String, Object> json) throws Exception {
        DataSize size = DataSize.ofKiB(1);
        int smallClients = 32;
        if (smallWarmupSeconds > 0) {
            UploadsBenchCommand.uploadLoad(node, size, smallClients, Duration.ofNanos((long) (smallWarmupSeconds * 1e9)));
        }
        ClosedLoopLoad.Result r = UploadsBenchCommand.uploadLoad(node, size, smallClients, Duration.ofNanos((long) (smallSeconds * 1e9)));
        json.put("smallUploadsPerSecond", r.perSecond());
        json.put("smallP50Millis", r.latency(0.5).toNanos() / 1e6);
        json.put("smallP99Millis", r.latency(0.99).toNanos() / 1e6);
        json.put("smallFailures", r.failures());
        text(out, "small         1 KiB uploads, %d clients: %.1f uploads/s, p50 %.1f ms, p99 %.1f ms (%d failed)%n", smallClients,
                r.perSecond(), r.latency(0.5).toNanos() / 1e6, r.latency(0.99).toNanos() / 1e6, r.failures());
    }

    private void report(PrintWriter out, Map<String, Object> json, String name, Phase p, double pipeline) {
        json.put(name + "MBps", p.megabytesPerSecond());
        json.put(name + "Seconds", p.elapsed().toNanos() / 1e9);
        json.put(name + "MBperCpuSecond", p.megabytesPerCpuSecond());
        json.put(name + "JitSeconds", p.jit().toNanos() / 1e9);
        if (pipeline > 0) {
            json.put(name + "ToPipeline", p.megabytesPerSecond() / pipeline);
            json.put(name + "ToPipelineCpu", p.megabytesPerCpuSecond() / pipelinePerCpu);
        }
        text(out, "%-13s %.1f MB/s%s; %.1f MB per CPU-second%s (%d files, %.1f s, JIT compiling %.1f s)%n", name, p.megabytesPerSecond(),
                pipeline > 0 ? String.format(" = %.2f x pipeline", p.megabytesPerSecond() / pipeline) : "",
                p.megabytesPerCpuSecond(),
                pipeline > 0 ? String.format(" = %.2f x pipeline's", p.megabytesPerCpuSecond() / pipelinePerCpu) : "",
                p.files(), p.elapsed().toNanos() / 1e9, p.jit().toNanos() / 1e9);
    }

    private static Phase check(Phase p, String what) throws NodeException {
        if (p.failures() > 0) {
            throw new NodeException(NodeErrorCode.ILLEGAL_STATE, what + ": " + p.failures() + " of " + p.files()
                    + " files failed; first: " + p.firstFailure());
        }
        return p;
    }

    private static long storedBytes(Path shards) throws IOException {
        try (Stream<Path> s = Files.walk(shards)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.startsWith(shards.resolve("tmp")))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private void text(PrintWriter out, String format, Object... args) {
        if (!common.json) {
            out.printf(format, args);
            out.flush();
        }
    }
}
