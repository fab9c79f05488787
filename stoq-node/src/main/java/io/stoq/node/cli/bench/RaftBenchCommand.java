package io.stoq.node.cli.bench;

import io.stoq.consensus.bench.RaftBench;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq bench raft}: committed txs/s through Ratis with N in-process voters, as a ratio to the single-node ledger. */
@Command(
        name = "raft",
        description = {"Ledger throughput through Raft (Apache Ratis) against the single-node ledger.",
            "N voters run in this process (gRPC with STOQ mutual TLS on loopback, a RocksDB",
            "ledger each, blocks built and Falcon-signed by the leader); the same number of",
            "pre-signed txs is committed by a single-node ledger (Ledger.commitAll) and",
            "through Raft via the leader and via a follower. Ratios are to the single-node",
            "figure of the same run."},
        footer = {"", "Examples:", "  stoq bench raft", "  stoq bench raft --voters 5 --txs 20000 --block-size 2000"})
public final class RaftBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--voters", paramLabel = "N", defaultValue = "3", description = "Voters (default: ${DEFAULT-VALUE}).")
    int voters;

    @Option(names = "--txs", paramLabel = "N", defaultValue = "10000", description = "Txs per measured path (default: ${DEFAULT-VALUE}).")
    int txs;

    @Option(names = "--block-size", paramLabel = "N", defaultValue = "1000", description = "Most txs per block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--accounts", paramLabel = "N", defaultValue = "64", description = "Signing accounts (default: ${DEFAULT-VALUE}).")
    int accounts;

    @Override
    public Integer call() throws Exception {
        if (voters < 1 || voters > 7 || txs < 1 || txs > 1_000_000 || blockSize < 1 || blockSize > 10_000 || accounts < 1
                || accounts > 10_000) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--voters 1..7, --txs 1..1000000, --block-size 1..10000, --accounts 1..10000");
        }
        Path dir = Files.createTempDirectory("stoq-bench-raft");
        try {
            RaftBench.run(spec.commandLine().getOut(), dir, voters, txs, blockSize, accounts);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return 0;
    }
}
