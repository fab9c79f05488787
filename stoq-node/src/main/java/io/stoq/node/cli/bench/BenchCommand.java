package io.stoq.node.cli.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code stoq bench}: throughput benchmarks, each reporting against baselines taken in the same run. */
@Command(
        name = "bench",
        description = {"Measure throughput on this machine. Figures are meant as ratios against baselines measured in",
            "the same run (e.g. pipeline MB/s over raw AES-GCM MB/s); run on an idle machine."},
        subcommands = {CryptoBenchCommand.class, LedgerBenchCommand.class})
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
