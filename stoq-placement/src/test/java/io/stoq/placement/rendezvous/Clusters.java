package io.stoq.placement.rendezvous;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Node sets and shard keys for the placement tests. */
final class Clusters {
    static final long GIB = 1L << 30;
    static final PlacementSettings NO_RTT = new PlacementSettings(GIB, 100_000_000L, 1);

    private Clusters() {
    }

    /** The {@code i}-th shard key of a run: SHA3 of the seed and index, like a real shard hash. */
    static Hash256 key(long seed, int i) {
        return Sha3.hash(ByteBuffer.allocate(12).putLong(seed).putInt(i).array());
    }

    /** {@code n} nodes named node-0.. spread round robin over {@code zones} zones, 1 TiB free each. */
    static List<NodeFacts> uniform(int n, int zones) {
        List<NodeFacts> nodes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            nodes.add(new NodeFacts("node-" + i, "zone-" + (i % zones), 1024 * GIB, 0, Duration.ofMillis(20)));
        }
        return nodes;
    }

    /**
     * Random live node sets: 1..14 nodes over 1..5 zones (assigned at random), free space from
     * 2 GiB to 16 TiB, throughput unknown or 10 MB/s..1 GB/s, all at the same RTT (so rank alone
     * picks the first copy).
     */
    static Arbitrary<List<NodeFacts>> clusters() {
        return Combinators.combine(Arbitraries.integers().between(1, 14), Arbitraries.integers().between(1, 5),
                        Arbitraries.longs())
                .as((n, zones, seed) -> {
                    Random random = new Random(seed);
                    List<NodeFacts> nodes = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        long free = 2 * GIB + (long) (random.nextDouble() * 16 * 1024 * GIB);
                        long throughput = random.nextInt(4) == 0 ? 0 : 10_000_000L + random.nextInt(990_000_000);
                        nodes.add(new NodeFacts("n" + seed % 1000 + "-" + i, "z" + random.nextInt(zones), free,
                                throughput, Duration.ofMillis(10)));
                    }
                    return nodes;
                });
    }
}
