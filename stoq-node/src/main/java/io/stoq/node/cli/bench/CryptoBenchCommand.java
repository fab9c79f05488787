package io.stoq.node.cli.bench;

import io.stoq.node.bench.BenchRunner;
import io.stoq.node.bench.CryptoBenchmark;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
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

/** {@code stoq bench crypto}: the primitive bounds table. */
@Command(
        name = "crypto",
        description = {"Single-thread speed of each cryptographic primitive.",
            "Measures AES-256-GCM, SHA3-256, SHA-256, zstd, Falcon-512 and -1024, ML-DSA-65,",
            "SLH-DSA-SHA2-128F, ML-KEM-768 and -1024. These are the bounds the shard pipeline",
            "and the ledger are measured against."},
        footer = {"", "Examples:", "  stoq bench crypto", "  stoq bench crypto --seconds 3 --buffer-kib 4096 --json"})
public final class CryptoBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--seconds", defaultValue = "1", description = "Measured time per benchmark, after an equal warm-up (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--buffer-kib", defaultValue = "1024", description = "Payload size for bulk primitives in KiB (default: ${DEFAULT-VALUE}).")
    int bufferKib;

    @Override
    public Integer call() throws Exception {
        Duration each = Duration.ofMillis((long) (seconds * 1000));
        PrintWriter out = spec.commandLine().getOut();
        if (!common.json) {
            out.printf("stoq bench crypto: %s per benchmark after equal warm-up, %d KiB buffers, 1 thread, %s%n",
                    each, bufferKib, System.getProperty("java.vm.name") + " " + Runtime.version());
            out.printf("%-28s %14s %12s %12s%n", "primitive", "ops/s", "MiB/s", "ms/op");
            out.flush();
        }
        List<BenchRunner.Result> results = new CryptoBenchmark(new BenchRunner(each, each), bufferKib * 1024).runAll(r -> {
            if (!common.json) {
                out.printf("%-28s %14.1f %12s %12.4f%n", r.name(), r.opsPerSecond(),
                        Double.isNaN(r.mibPerSecond()) ? "-" : String.format("%.1f", r.mibPerSecond()), r.millisPerOp());
                out.flush();
            }
        });
        if (common.json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (BenchRunner.Result r : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", r.name());
                row.put("opsPerSecond", r.opsPerSecond());
                row.put("mibPerSecond", Double.isNaN(r.mibPerSecond()) ? null : r.mibPerSecond());
                row.put("msPerOp", r.millisPerOp());
                rows.add(row);
            }
            Json.print(out, Map.of("java", Runtime.version().toString(), "bufferBytes", bufferKib * 1024, "results", rows));
        }
        return 0;
    }
}
