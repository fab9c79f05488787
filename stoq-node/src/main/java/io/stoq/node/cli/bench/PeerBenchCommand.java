package io.stoq.node.cli.bench;

import io.stoq.net.bench.PeerBench;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq bench peer}: shard transfer MB/s over STOQ on loopback, several streams against one. */
@Command(
        name = "peer",
        description = {"Shard transfer speed between two STOQ peers on loopback.",
            "Two real transports run in this process (QUIC with ALPN stoq/1, the Falcon",
            "handshake, certificates from a throwaway CA); one shard held in memory is",
            "fetched over one stream and over several streams of one connection. Each",
            "figure is the median of the rounds, with its ratio to the one-stream figure of",
            "the same run."},
        footer = {"", "Examples:", "  stoq bench peer",
            "  stoq bench peer --size-mib 256 --streams 1,4 --rounds 3"})
public final class PeerBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size-mib", paramLabel = "N", defaultValue = "64", description = "Shard size in MiB (default: ${DEFAULT-VALUE}).")
    int sizeMib;

    @Option(names = "--streams", paramLabel = "N", split = ",", defaultValue = "1,2,4,8",
            description = "Stream counts to measure; the first is the baseline (default: ${DEFAULT-VALUE}).")
    List<Integer> streams;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", description = "Rounds per stream count (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        if (sizeMib < 1 || sizeMib > 1024) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--size-mib must be 1..1024, got " + sizeMib);
        }
        if (rounds < 1 || streams.stream().anyMatch(n -> n < 1 || n > 64)) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--rounds must be at least 1 and --streams each 1..64");
        }
        PeerBench.run(spec.commandLine().getOut(), sizeMib, streams, rounds);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
