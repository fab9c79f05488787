package io.stoq.node.cli.bench;

import io.stoq.node.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code stoq bench}: throughput benchmarks, each reporting against baselines taken in the same run. */
@Command(
        name = "bench",
        description = {"Measure throughput on this machine.",
            "Figures are meant as ratios against baselines measured in the same run (for",
            "example pipeline MB/s over raw AES-GCM MB/s); run on an idle machine."},
        subcommands = {CryptoBenchCommand.class, ShardBenchCommand.class, LedgerBenchCommand.class, AuditBenchCommand.class,
            UploadsBenchCommand.class, NodeBenchCommand.class, PeerBenchCommand.class, RaftBenchCommand.class,
            io.stoq.node.cli.dev.SpreadBenchCommand.class})
public final class BenchCommand extends GroupCommand {}
