package io.stoq.node.cli.bench;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.node.bench.NodeTransfers;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.shard.AssetEncoder;
import io.stoq.shard.AssetId;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.codec.ShardSink;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import io.stoq.shard.manifest.SignedManifest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stoq bench shard}: the shard pipeline's throughput on a mixed corpus, as MB/s and as a
 * ratio to single-thread AES-256-GCM and SHA3-256 measured in the same run, and the heap it needs
 * while streaming a multi-GiB generated file.
 *
 * <p>The corpus comes from {@link CorpusGenerator} (stoq-shard main sources): 4 MiB segments
 * cycling random, CSV-like text and duplicated runs.
 */
@Command(
        name = "shard",
        mixinStandardHelpOptions = true,
        description = {"Shard pipeline throughput against single-thread AES-GCM and SHA3-256.",
            "The pipeline (chunk, zstd, AES-256-GCM, SHA3-256, merkle, signed manifest) runs",
            "on a generated mixed corpus held in memory; the baselines are measured in the",
            "same run. With --big-gib, it also reports the peak heap while streaming a",
            "generated file of that size."},
        footer = {"", "Target: pipeline >= 60%% of min(AES-GCM, SHA3-256) single-thread speed times the",
            "threads used. Prove the heap flat in a small heap, for example:",
            "  java -Xmx256m -jar stoq-node.jar bench shard --corpus-mib 0 --big-gib 4",
            "", "Examples:", "  stoq bench shard", "  stoq bench shard --corpus-mib 512 --threads 2 --json"})
public final class ShardBenchCommand implements Callable<Integer> {
    private static final int BASELINE_BUFFER = 4 << 20;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--corpus-mib", defaultValue = "256", description = "Mixed corpus size in MiB for the throughput runs; 0 skips them (default ${DEFAULT-VALUE}).")
    int corpusMib;

    @Option(names = "--threads", description = "Pipeline worker threads (default: available processors).")
    Integer threads;

    @Option(names = "--runs", defaultValue = "5", description = "Measured pipeline runs after the warm-up; the median is reported (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup-seconds", defaultValue = "10", description = "Unmeasured pipeline runs repeat until this much time has passed (at least one run): "
            + "the JIT keeps recompiling the hash, cipher and chunker loops for several seconds, and a node runs for days (default ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--seconds", defaultValue = "2", description = "Measured time per baseline primitive, after an equal warm-up (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--big-gib", defaultValue = "0", description = "Also stream a generated file of this many GiB and report peak heap (default: skip).")
    int bigGib;

    @Override
    public Integer call() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int workers = threads != null ? threads : cores;
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("java", Runtime.version().toString());
        json.put("cores", cores);
        json.put("threads", workers);
        json.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        text(out, "stoq bench shard: %s, %d cores, %d pipeline threads, max heap %d MiB%n",
                Runtime.version(), cores, workers, Runtime.getRuntime().maxMemory() >> 20);
        long t0 = System.nanoTime();
        AesGcm.warmUp();
        text(out, "AES-GCM JIT warm-up: %.1f s%n", (System.nanoTime() - t0) / 1e9);

        SigningKey signer = SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        var kem = KemAlgorithm.ML_KEM_768.generateKeyPair();
        if (corpusMib > 0) {
            byte[] corpus = CorpusGenerator.bytes(CorpusKind.MIXED, corpusMib << 20, 2026);
            double[] aesBoth = baselineAes();
            double[] sha3Both = baselineSha3();
            double aes = aesBoth[0];
            double sha3 = sha3Both[0];
            double boundPerCpu = Math.min(aesBoth[1], sha3Both[1]);
            int used = Math.min(workers, cores);
            double sha3Parallel = parallelSha3(used);
            double bound = Math.min(aes, sha3) * used;
            text(out, "baseline (1 thread, %d MiB buffers): AES-256-GCM seal %.1f MB/s, SHA3-256 %.1f MB/s; "
                    + "SHA3-256 on %d threads at once %.1f MB/s (what the machine gives now; load average %.2f)%n",
                    BASELINE_BUFFER >> 20, aes, sha3, used, sha3Parallel, loadAverage());
            List<Double> speeds = new ArrayList<>();
            List<Double> parallelPerRun = new ArrayList<>();
            List<Double> perCpu = new ArrayList<>();
            List<Double> busy = new ArrayList<>();
            SignedManifest last = null;
            int warmups = 0;
            try (ShardEncoder encoder = new ShardEncoder(workers)) {
                AssetEncoder assets = new AssetEncoder(encoder, signer, List.of(kem.getPublic()));
                long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
                do {
                    long start = System.nanoTime();
                    last = encodeCorpus(assets, corpus);
                    warmups++;
                    text(out, "pipeline warm-up %d: %.1f MB/s%n", warmups, corpus.length / 1e6 / ((System.nanoTime() - start) / 1e9));
                } while (System.nanoTime() < warmupEnd);
                for (int run = 0; run < runs; run++) {
                    parallelPerRun.add(parallelSha3(used, 0.5)); // what the machine gives right before this run
                    long cpuBefore = pipelineCpuNanos();
                    long processBefore = NodeTransfers.processCpu().toNanos();
                    long start = System.nanoTime();
                    last = encodeCorpus(assets, corpus);
                    long wall = System.nanoTime() - start;
                    double mbs = corpus.length / 1e6 / (wall / 1e9);
                    double mbPerCpuSecond = corpus.length / 1e6 / ((pipelineCpuNanos() - cpuBefore) / 1e9);
                    double busyCores = (double) (NodeTransfers.processCpu().toNanos() - processBefore) / wall;
                    speeds.add(mbs);
                    perCpu.add(mbPerCpuSecond);
                    busy.add(busyCores);
                    text(out, "pipeline run %d: %.1f MB/s, %.1f MB per CPU-second of pipeline threads, process busy %.2f cores "
                                    + "(SHA3-256 on %d threads just before: %.1f MB/s, ratio %.2f)%n",
                            run + 1, mbs, mbPerCpuSecond, busyCores, used, parallelPerRun.get(run), mbs / parallelPerRun.get(run));
                }
            }
            double[] sorted = speeds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double median = sorted[sorted.length / 2];
            double ratio = median / bound;
            double[] perRun = new double[speeds.size()];
            for (int i = 0; i < perRun.length; i++) {
                perRun[i] = speeds.get(i) / parallelPerRun.get(i);
            }
            java.util.Arrays.sort(perRun);
            double medianPerRun = perRun[perRun.length / 2];
            double cpuEfficiency = perCpu.stream().mapToDouble(Double::doubleValue).sorted().toArray()[perCpu.size() / 2];
            double cpuRatio = cpuEfficiency / boundPerCpu;
            text(out, "corpus   %d MiB mixed (random / CSV text / duplicated), %d shards, stored %.1f%% of input%n",
                    corpusMib, last.manifest().shards().size(), 100.0 * last.manifest().storedSize() / corpus.length);
            text(out, "result   pipeline %.1f MB/s (median of %d) = %.2f x min(AES-GCM, SHA3-256) x %d threads (%.1f MB/s); "
                    + "%.3f x AES-GCM x %d; median per-run ratio to %d-thread SHA3-256 measured just before: %.2f; "
                    + "target >= 0.60 (first ratio): %s%n", median, runs, ratio, used, bound,
                    median / (aes * used), used, used, medianPerRun, ratio >= 0.60 ? "met" : "NOT met");
            text(out, "cpu      pipeline %.1f MB per CPU-second of its threads (median; GC and JIT threads not counted) = "
                    + "%.2f x min(AES-GCM %.1f, SHA3-256 %.1f) MB per CPU-second: the throughput ratio %d idle cores would give%n",
                    cpuEfficiency, cpuRatio, aesBoth[1], sha3Both[1], used);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("corpusMiB", corpusMib);
            t.put("aesGcmMBps", aes);
            t.put("sha3MBps", sha3);
            t.put("boundMBps", bound);
            t.put("sha3ParallelMBps", sha3Parallel);
            t.put("loadAverage", loadAverage());
            t.put("pipelineMBps", median);
            t.put("pipelineRunsMBps", speeds);
            t.put("warmupRuns", warmups);
            t.put("processBusyCoresPerRun", busy);
            t.put("ratioToBound", ratio);
            t.put("ratioToAesGcm", median / (aes * used));
            t.put("ratioToParallelSha3", median / sha3Parallel);
            t.put("sha3ParallelPerRunMBps", parallelPerRun);
            t.put("medianPerRunRatioToParallelSha3", medianPerRun);
            t.put("loadAverageAfter", loadAverage());
            t.put("pipelineMBPerCpuSecond", cpuEfficiency);
            t.put("aesGcmMBPerCpuSecond", aesBoth[1]);
            t.put("sha3MBPerCpuSecond", sha3Both[1]);
            t.put("cpuNormalisedRatioToBound", cpuRatio);
            t.put("targetMet", ratio >= 0.60);
            t.put("shards", last.manifest().shards().size());
            t.put("storedFraction", (double) last.manifest().storedSize() / corpus.length);
            json.put("throughput", t);
            corpus = null; // let the heap run below start clean
        }
        if (bigGib > 0) {
            json.put("heap", heapRun(out, signer, kem.getPublic(), workers));
        }
        if (common.json) {
            Json.print(out, json);
        }
        return 0;
    }

    private Map<String, Object> heapRun(PrintWriter out, SigningKey signer, java.security.PublicKey kem, int workers) throws Exception {
        long size = (long) bigGib << 30;
        System.gc();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        AtomicLong peakSampled = new AtomicLong();
        AtomicLong peakAfterGc = new AtomicLong();
        List<MemoryPoolMXBean> heapPools = new ArrayList<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                heapPools.add(pool);
            }
        }
        java.util.Set<String> heapNames = new java.util.HashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapNames.add(pool.getName());
            }
        }
        AtomicLong peakAfterEachGc = new AtomicLong();
        java.util.concurrent.atomic.AtomicInteger gcCount = new java.util.concurrent.atomic.AtomicInteger();
        javax.management.NotificationListener onGc = (notification, handback) -> {
            if (com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                        (javax.management.openmbean.CompositeData) notification.getUserData());
                long after = 0;
                for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (heapNames.contains(e.getKey())) {
                        after += e.getValue().getUsed();
                    }
                }
                peakAfterEachGc.accumulateAndGet(after, Math::max);
                gcCount.incrementAndGet();
            }
        };
        List<javax.management.NotificationEmitter> emitters = new ArrayList<>();
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof javax.management.NotificationEmitter emitter) {
                emitter.addNotificationListener(onGc, null, null);
                emitters.add(emitter);
            }
        }
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakSampled.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                long live = 0;
                for (MemoryPoolMXBean pool : heapPools) {
                    live += pool.getCollectionUsage().getUsed();
                }
                peakAfterGc.accumulateAndGet(live, Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        long start = System.nanoTime();
        SignedManifest m;
        try (ShardEncoder encoder = new ShardEncoder(workers);
                InputStream in = CorpusGenerator.stream(CorpusKind.MIXED, size, 4)) {
            m = new AssetEncoder(encoder, signer, List.of(kem)).encode(in, new AssetEncoder.Request(AssetId.random(), 1,
                    OptionalLong.of(size), RedundancyPolicy.DEFAULT, null), ShardSink.DISCARD);
        } finally {
            sampler.interrupt();
            sampler.join();
            for (javax.management.NotificationEmitter emitter : emitters) {
                try {
                    emitter.removeNotificationListener(onGc);
                } catch (javax.management.ListenerNotFoundException e) {
                    // already gone
                }
            }
        }
        long nanos = System.nanoTime() - start;
        long poolPeak = 0;
        long afterGcPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                poolPeak += pool.getPeakUsage().getUsed();
                if (pool.getCollectionUsage() != null) {
                    afterGcPeak += pool.getCollectionUsage().getUsed();
                }
            }
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("sizeGiB", bigGib);
        h.put("shards", m.manifest().shards().size());
        h.put("maxShardBytes", m.manifest().chunking().params().max());
        h.put("seconds", nanos / 1e9);
        h.put("MBps", size / 1e6 / (nanos / 1e9));
        h.put("heapBeforeMiB", baseline >> 20);
        h.put("peakHeapUsedSampledMiB", peakSampled.get() >> 20);
        h.put("peakHeapPoolsMiB", poolPeak >> 20);
        h.put("heapAfterLastGcMiB", afterGcPeak >> 20);
        h.put("peakHeapAfterGcMiB", peakAfterGc.get() >> 20);
        h.put("gcCount", gcCount.get());
        h.put("peakHeapAfterEachGcMiB", peakAfterEachGc.get() >> 20);
        h.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        text(out, "heap     %d GiB streamed in %.1f s (%.1f MB/s, %d shards, max shard %d MiB): peak heap used %d MiB sampled, "
                        + "%d MiB pool peaks; heap used right after each of %d GCs: peak %d MiB; max heap %d MiB%n", bigGib, nanos / 1e9, size / 1e6 / (nanos / 1e9),
                m.manifest().shards().size(), m.manifest().chunking().params().max() >> 20, peakSampled.get() >> 20,
                poolPeak >> 20, gcCount.get(), peakAfterEachGc.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
        return h;
    }

    /** Single-thread AES-256-GCM seal, the exact call the pipeline makes: {wall MB/s, MB per CPU-second}. */
    private double[] baselineAes() throws Exception {
        byte[] key = AesGcm.newKey();
        byte[] data = CorpusGenerator.bytes(CorpusKind.RANDOM, BASELINE_BUFFER, 1);
        byte[] aad = new byte[28];
        return measureBoth(() -> AesGcm.seal(key, aad, data), data.length, seconds);
    }

    /** Single-thread SHA3-256 (BouncyCastle, fed in 64 KiB slices exactly as the pipeline does), in MB/s. */
    private double[] baselineSha3() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.RANDOM, BASELINE_BUFFER, 2);
        return measureBoth(() -> io.stoq.crypto.hash.Sha3.hash(data), data.length, seconds);
    }

    /** SHA3-256 on {@code n} threads at once, total MB/s: the hashing bound the machine really offers now. */
    private double parallelSha3(int n) throws Exception {
        return parallelSha3(n, seconds);
    }

    private double parallelSha3(int n, double secs) throws Exception {
        double[] each = new double[n];
        Thread[] threads = new Thread[n];
        Exception[] failure = new Exception[1];
        for (int i = 0; i < n; i++) {
            int k = i;
            threads[i] = new Thread(() -> {
                try {
                    byte[] data = CorpusGenerator.bytes(CorpusKind.RANDOM, BASELINE_BUFFER, 3 + k);
                    each[k] = measure(() -> io.stoq.crypto.hash.Sha3.hash(data), data.length, secs);
                } catch (Exception e) {
                    failure[0] = e;
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        double total = 0;
        for (double v : each) {
            total += v;
        }
        return total;
    }

    private static SignedManifest encodeCorpus(AssetEncoder assets, byte[] corpus) throws Exception {
        return assets.encode(new ByteArrayInputStream(corpus), new AssetEncoder.Request(AssetId.random(), 1,
                OptionalLong.of(corpus.length), RedundancyPolicy.DEFAULT, null), ShardSink.DISCARD);
    }


    /** CPU time of the threads doing pipeline work: this (chunking) thread and the encoder pool. */
    private static long pipelineCpuNanos() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = threads.getCurrentThreadCpuTime();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("stoq-codec-")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private interface Op {
        void run() throws Exception;
    }

    private double measure(Op op, long bytesPerOp) throws Exception {
        return measure(op, bytesPerOp, seconds);
    }

    private static double measure(Op op, long bytesPerOp, double secs) throws Exception {
        return measureBoth(op, bytesPerOp, secs)[0];
    }

    /** {wall-clock MB/s, MB per CPU-second of this thread} after an equal warm-up. */
    private static double[] measureBoth(Op op, long bytesPerOp, double secs) throws Exception {
        long budget = (long) (secs * 1e9);
        for (long end = System.nanoTime() + budget; System.nanoTime() < end; ) {
            op.run();
        }
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long ops = 0;
        long cpu0 = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long end = start + budget;
        do {
            op.run();
            ops++;
        } while (System.nanoTime() < end);
        long wall = System.nanoTime() - start;
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        double mb = ops * bytesPerOp / 1e6;
        return new double[] {mb / (wall / 1e9), mb / (cpu / 1e9)};
    }

    private void text(PrintWriter out, String format, Object... args) {
        if (!common.json) {
            out.printf(format, args);
            out.flush();
        }
    }
}
