package io.stoq.node.cli.bench;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.bench.LedgerBenchmark;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq bench ledger}: committed txs/s against a raw RocksDB synced WriteBatch baseline. */
@Command(
        name = "ledger",
        description = {"Committed ledger txs/s against a raw RocksDB synced WriteBatch baseline.",
            "Commits pre-signed asset-create and token-transfer txs into a new ledger in",
            "blocks of the given sizes and reports committed txs/s next to a raw RocksDB",
            "baseline measured in the same run (same tx bytes, same batch size, one synced",
            "WriteBatch per batch, no validation). Signing happens before the timed part; the",
            "timed part is signature verification, validation, state machine, state root,",
            "header signing and the synced commit. The ledger stays in DIR (root certificate",
            "in DIR/network-root.pem, CRL in DIR/network-crl.pem) for `stoq ledger verify`",
            "and `prove`."},
        footer = {"", "Examples:", "  stoq bench ledger --data /tmp/bench-ledger --txs 10000",
            "  stoq bench ledger --data /tmp/bl --txs 2000 --block-size 1,10,100,1000 --json",
            "  stoq bench ledger --data /tmp/bl --txs 2000 --alg falcon-512.v1",
            "      (Falcon accounts: slow to pre-sign)",
            "  stoq ledger verify /tmp/bench-ledger"})
public final class LedgerBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--data", paramLabel = "DIR", required = true, description = "New or empty directory for the ledger.")
    Path data;

    @Option(names = "--txs", paramLabel = "N", defaultValue = "10000", description = "Txs per block size (default: ${DEFAULT-VALUE}).")
    int txs;

    @Option(names = "--block-size", paramLabel = "N", split = ",", defaultValue = "1000",
            description = "Txs per block, 1..10000; a comma list runs one round per size (default: ${DEFAULT-VALUE}).")
    List<Integer> blockSizes;

    @Option(names = "--accounts", paramLabel = "N", defaultValue = "16", description = "Member accounts signing txs (default: ${DEFAULT-VALUE}).")
    int accounts;

    @Option(names = "--alg", paramLabel = "ID", defaultValue = "ml-dsa-65.v1",
            description = "Account signature algorithm: ml-dsa-65.v1 or falcon-512.v1 (default: ${DEFAULT-VALUE}).")
    String alg;

    @Option(names = "--sequential-verify", description = "Verify tx signatures on the committing thread only (default: in parallel on all cores).")
    boolean sequentialVerify;

    @Option(names = "--warmup-txs", paramLabel = "N", defaultValue = "4000",
            description = "Txs per untimed warm-up round, in blocks of 100; rounds repeat (at most 12) until the JIT compiles "
                    + "for under 5%% of one's commit and verification, so the timed parts run compiled code (default: ${DEFAULT-VALUE}; 0: no warm-up).")
    int warmupTxs;

    @Option(names = "--no-pipeline", description = "Commit block by block; by default the next block's signatures are checked while one commits.")
    boolean noPipeline;

    @Override
    public Integer call() throws LedgerException, CryptoException {
        SignatureAlgorithm algorithm = SignatureAlgorithm.fromId(alg);
        if (txs < 1 || txs > 1_000_000 || accounts < 2 || accounts > 1000 || warmupTxs < 0 || warmupTxs > 1_000_000) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, "--txs must be 1..1000000, --warmup-txs 0..1000000 and --accounts 2..1000");
        }
        for (int size : blockSizes) {
            if (size < 1 || size > 10_000) {
                throw new LedgerException(LedgerErrorCode.MALFORMED, "--block-size values must be 1..10000, got " + size);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        LedgerBenchmark.Report report = LedgerBenchmark.run(
                new LedgerBenchmark.Config(data, txs, blockSizes, algorithm, accounts, !sequentialVerify, !noPipeline, warmupTxs),
                line -> {
                    if (!common.json) {
                        out.println("  " + line);
                        out.flush();
                    }
                });
        if (common.json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LedgerBenchmark.Round r : report.rounds()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("blockSize", r.blockSize());
                row.put("txs", r.txs());
                row.put("blocks", r.blocks());
                row.put("signSeconds", r.signTime().toNanos() / 1e9);
                row.put("ledgerSeconds", r.ledgerTime().toNanos() / 1e9);
                row.put("ledgerTxsPerSecond", r.ledgerTxsPerSecond());
                row.put("baselineSeconds", r.baselineTime().toNanos() / 1e9);
                row.put("baselineTxsPerSecond", r.baselineTxsPerSecond());
                row.put("ratio", r.ratio());
                row.put("verifyOnlyTxsPerSecond", r.verifyOnlyTxsPerSecond());
                row.put("verifyRatio", r.verifyRatio());
                row.put("ledgerCpuMicrosPerTx", r.ledgerCpu().toNanos() / 1e3 / r.txs());
                row.put("verifyCpuMicrosPerTx", r.verifyCpu().toNanos() / 1e3 / r.txs());
                row.put("verifiedInFull", r.verifiedInFull());
                row.put("ledgerJitMillis", r.ledgerJit().toMillis());
                row.put("verifyJitMillis", r.verifyJit().toMillis());
                row.put("cpuRatio", r.cpuRatio());
                row.put("ledgerCpuByThreadMicrosPerTx", perTx(r.ledgerThreads(), r.txs()));
                row.put("verifyCpuByThreadMicrosPerTx", perTx(r.verifyThreads(), r.txs()));
                Map<String, Object> steps = new LinkedHashMap<>();
                steps.put("signatureChecksMillis", r.steps().signatureChecks().toNanos() / 1e6);
                steps.put("applyMillis", r.steps().apply().toNanos() / 1e6);
                steps.put("headerSignatureMillis", r.steps().headerSignature().toNanos() / 1e6);
                steps.put("syncedWriteMillis", r.steps().syncedWrite().toNanos() / 1e6);
                row.put("committerSteps", steps);
                rows.add(row);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("java", Runtime.version().toString());
            json.put("cores", Runtime.getRuntime().availableProcessors());
            json.put("heap", heapSetting());
            json.put("accountAlgorithm", algorithm.id());
            json.put("parallelVerify", !sequentialVerify);
            json.put("pipelined", !noPipeline);
            json.put("warmupRounds", report.warmupRounds());
            json.put("rounds", rows);
            json.put("height", report.height());
            json.put("stateRoot", report.stateRoot().toHex());
            json.put("data", data.toString());
            Json.print(out, json);
            return 0;
        }
        out.printf("stoq bench ledger: %s accounts (%d), %s signature verify, %s, sync on, %d cores, Java %s, %s%n", algorithm.id(), accounts,
                sequentialVerify ? "sequential" : "parallel", noPipeline ? "block by block" : "pipelined",
                Runtime.getRuntime().availableProcessors(), Runtime.version(), heapSetting());
        out.printf("%10s %8s %8s %10s %13s %18s %8s %16s %10s%n", "block size", "txs", "blocks", "ledger s", "ledger txs/s",
                "raw RocksDB txs/s", "ratio", "verify-only tx/s", "vs verify");
        for (LedgerBenchmark.Round r : report.rounds()) {
            out.printf("%10d %8d %8d %10.3f %13.1f %18.1f %8.4f %16.1f %10.3f%n", r.blockSize(), r.txs(), r.blocks(),
                    r.ledgerTime().toNanos() / 1e9, r.ledgerTxsPerSecond(), r.baselineTxsPerSecond(), r.ratio(), r.verifyOnlyTxsPerSecond(),
                    r.verifyRatio());
        }
        out.println("ratio = ledger txs/s / raw RocksDB txs/s (same tx bytes, same batch size, synced WriteBatch, same run)");
        out.println("vs verify = ledger txs/s / signature verification alone on the same cores (same txs, same run)");
        out.println("CPU time per tx (process, all threads): ledger | verification alone | verification / ledger");
        for (LedgerBenchmark.Round r : report.rounds()) {
            out.printf("%10d %8.1f us | %8.1f us | %8.3f%n", r.blockSize(), r.ledgerCpu().toNanos() / 1e3 / r.txs(),
                    r.verifyCpu().toNanos() / 1e3 / r.txs(), r.cpuRatio());
        }
        out.println("CPU time per tx by thread (from /proc; the committer helps verify while it waits):");
        for (LedgerBenchmark.Round r : report.rounds()) {
            out.printf("%10d ledger: %s%n", r.blockSize(), split(r.ledgerThreads(), r.txs()));
            out.printf("%10s verification alone: %s%n", "", split(r.verifyThreads(), r.txs()));
        }
        out.println("JIT compile time during the timed parts (what warm-up left): ledger | verification alone");
        for (LedgerBenchmark.Round r : report.rounds()) {
            out.printf("%10d %8d ms | %8d ms%n", r.blockSize(), r.ledgerJit().toMillis(), r.verifyJit().toMillis());
        }
        out.println("committer thread, ms per block: waiting for/helping with signature checks | apply (validation, state, state root)"
                + " | header signature | synced write");
        for (LedgerBenchmark.Round r : report.rounds()) {
            long b = Math.max(1, r.steps().blocks());
            out.printf("%10d %8.2f | %8.2f | %8.2f | %8.2f%n", r.blockSize(), r.steps().signatureChecks().toNanos() / 1e6 / b,
                    r.steps().apply().toNanos() / 1e6 / b, r.steps().headerSignature().toNanos() / 1e6 / b,
                    r.steps().syncedWrite().toNanos() / 1e6 / b);
        }
        out.printf("ledger left in %s: height %d, state root %s; check it with: stoq ledger verify %s%n", data, report.height(),
                report.stateRoot().toHex(), data);
        out.flush();
        return 0;
    }

    private static Map<String, Double> perTx(Map<String, Duration> split, int txs) {
        Map<String, Double> out = new LinkedHashMap<>();
        split.forEach((group, cpu) -> out.put(group, cpu.toNanos() / 1e3 / txs));
        return out;
    }

    /** "verifiers 150.2 us, block writer 28.1 us, ..." (largest first), or why there is no split. */
    private static String split(Map<String, Duration> split, int txs) {
        if (split.isEmpty()) {
            return "(not available: no /proc/self/task)";
        }
        StringBuilder b = new StringBuilder();
        perTx(split, txs).forEach((group, us) -> b.append(b.length() == 0 ? "" : ", ").append(String.format("%s %.1f us", group, us)));
        return b.toString();
    }

    /**
     * The heap's initial and maximum size, flagged when they differ: a heap the collector keeps
     * resizing costs the commit 15-20% of its CPU in page faults (docs/ledger.md, "Measured: chain
     * format 3"), so a reader of the figures must know which kind ran.
     */
    static String heapSetting() {
        java.lang.management.MemoryUsage heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long init = heap.getInit() >> 20;
        long max = heap.getMax() >> 20;
        return init == max ? "fixed heap " + max + " MiB" : "heap " + init + "-" + max + " MiB (not fixed: -Xms = -Xmx measures a node's steady state)";
    }
}
