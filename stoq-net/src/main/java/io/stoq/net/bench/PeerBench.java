package io.stoq.net.bench;

import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.net.LocalIdentity;
import io.stoq.net.PeerConfig;
import io.stoq.net.PeerConnection;
import io.stoq.net.shard.MemoryShardStore;
import io.stoq.net.shard.ShardClient;
import io.stoq.net.shard.ShardService;
import io.stoq.net.shard.TransferListener;
import io.stoq.net.transport.StoqTransport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * Shard transfer speed over STOQ on loopback: two real transports in this JVM (real QUIC, real
 * Falcon handshake), one shard held in memory by the server, fetched by the client over one
 * stream and over several streams of one connection at once. Each figure is the median of the
 * rounds, and is reported with its ratio to the single-stream figure of the same run.
 *
 * <pre>
 *   java -cp ... io.stoq.net.bench.PeerBench [--size-mib 64] [--streams 1,2,4,8] [--rounds 5]
 * </pre>
 */
public final class PeerBench {
    /** One measured configuration. */
    public record Result(int streams, double mibPerSecond, double ratio) {}

    private PeerBench() {}

    public static void main(String[] args) throws Exception {
        int sizeMib = 64;
        int rounds = 5;
        List<Integer> streams = List.of(1, 2, 4, 8);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size-mib" -> sizeMib = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--streams" -> streams = Stream.of(args[++i].split(",")).map(Integer::parseInt).toList();
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (known: --size-mib N, --streams 1,2,4, --rounds N)");
            }
        }
        run(new PrintWriter(System.out, true, StandardCharsets.UTF_8), sizeMib, streams, rounds);
    }

    /** Runs the benchmark, printing one line per configuration; returns the results. */
    public static List<Result> run(PrintWriter out, int sizeMib, List<Integer> streams, int rounds) throws Exception {
        Path dir = Files.createTempDirectory("stoq-peer-bench");
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "peer-bench");
            t.setDaemon(true);
            return t;
        });
        try {
            CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "bench", null, null,
                    CertificateAuthority.Policy.DEFAULT, Clock.systemUTC());
            Hash256 network = Sha3.hash("stoq peer bench".getBytes(StandardCharsets.UTF_8), ca.root().getEncoded());
            PeerConfig config = PeerConfig.DEFAULTS.withBind(new InetSocketAddress("127.0.0.1", 0));
            MemoryShardStore store = new MemoryShardStore();
            byte[] shard = new byte[sizeMib << 20];
            new Random(7).nextBytes(shard);
            Hash256 id = store.add(shard);
            try (StoqTransport server = new ShardService(store, shard.length).register(
                            StoqTransport.builder(config, node(ca, network, "bench-server"))).start();
                    StoqTransport client = StoqTransport.builder(config, node(ca, network, "bench-client")).start()) {
                PeerConnection connection = client.connect(server.localAddress());
                ShardClient shards = new ShardClient(pool, TransferListener.NONE);
                out.printf("peer shard transfer over STOQ on loopback: %d MiB shard, median of %d rounds, %d cores%n",
                        sizeMib, rounds, Runtime.getRuntime().availableProcessors());
                for (int n : streams) {
                    fetch(shards, connection, id, n); // warm-up: JIT, congestion window
                }
                List<Result> results = new ArrayList<>();
                double single = 0;
                for (int n : streams) {
                    List<Double> rates = new ArrayList<>();
                    for (int r = 0; r < rounds; r++) {
                        long start = System.nanoTime();
                        fetch(shards, connection, id, n);
                        rates.add(sizeMib / ((System.nanoTime() - start) / 1e9));
                    }
                    rates.sort(Comparator.naturalOrder());
                    double median = rates.get(rates.size() / 2);
                    if (single == 0) {
                        single = median;
                    }
                    Result result = new Result(n, median, median / single);
                    results.add(result);
                    out.printf("  %2d stream%s  %8.1f MiB/s  x%.2f of %d stream%n", n, n == 1 ? " " : "s", median, result.ratio(),
                            streams.get(0));
                }
                return results;
            }
        } finally {
            pool.shutdownNow();
            deleteTree(dir);
        }
    }

    private static void fetch(ShardClient shards, PeerConnection connection, Hash256 id, int streams) throws Exception {
        shards.getParallel(connection, id, (position, bytes, offset, length) -> { }, streams);
    }

    private static LocalIdentity node(CertificateAuthority ca, Hash256 network, String nodeId) throws Exception {
        NodeKeys keys = NodeKeys.generate();
        NodeClaims claims = NodeClaims.of(nodeId, "bench", EnumSet.of(NodeRole.STORAGE), keys.tls().getPublic(),
                keys.kem().getPublic(), keys.slhDsa().publicKey());
        return LocalIdentity.of(keys, ca.issue(NodeCsr.create(keys.falcon(), claims), Duration.ofDays(1)), ca.root(), network);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
