package io.stoq.node.cli.bench;

import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.accounts.AuditBenchmark;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq bench audit}: durable audit appends/s, group commit against one synced put per record. */
@Command(name = "audit", description = {"Durable audit-log appends/s with group commit, against a baseline.",
        "The baseline, measured in the same run, is one synced RocksDB put per record",
        "from the same number of threads (same record bytes, fresh databases)."},
        footer = {"", "Example:", "  stoq bench audit /tmp/bench-audit --threads 1,8,64 --records 5000"})
public final class AuditBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "DIR", description = "New or empty directory for the two databases.")
    Path dir;

    @Option(names = "--threads", split = ",", defaultValue = "1,8,64",
            description = "Concurrent appenders; a comma list runs one round each (default: ${DEFAULT-VALUE}).")
    List<Integer> threads;

    @Option(names = "--records", defaultValue = "5000", description = "Records per side per round (default: ${DEFAULT-VALUE}).")
    int records;

    @Override
    public Integer call() throws Exception {
        if (records < 1 || records > 10_000_000) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--records must be 1..10000000");
        }
        if (Files.exists(dir)) {
            try (var s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new NodeException(NodeErrorCode.BAD_CONFIG, dir + " is not empty");
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        List<AuditBenchmark.Result> results = new ArrayList<>();
        for (int t : threads) {
            if (t < 1 || t > 1024) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "--threads values must be 1..1024");
            }
            results.add(AuditBenchmark.run(dir.resolve("t" + t), t, records));
        }
        if (common.json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (AuditBenchmark.Result r : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("threads", r.threads());
                row.put("records", r.records());
                row.put("groupCommitPerSecond", r.groupCommitPerSecond());
                row.put("baselinePerSecond", r.baselinePerSecond());
                row.put("ratio", r.ratio());
                rows.add(row);
            }
            Json.print(out, Map.of("java", Runtime.version().toString(), "cores", Runtime.getRuntime().availableProcessors(),
                    "rounds", rows));
            return 0;
        }
        out.printf("stoq bench audit: sync on, %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(), Runtime.version());
        out.printf("%8s %8s %20s %22s %8s%n", "threads", "records", "group commit rec/s", "put-per-record rec/s", "ratio");
        for (AuditBenchmark.Result r : results) {
            out.printf("%8d %8d %20.1f %22.1f %8.2f%n", r.threads(), r.records(), r.groupCommitPerSecond(),
                    r.baselinePerSecond(), r.ratio());
        }
        out.println("ratio = group-commit appends/s / one-synced-put-per-record appends/s (same run)");
        out.flush();
        return 0;
    }
}
