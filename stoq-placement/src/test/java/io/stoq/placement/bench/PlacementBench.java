package io.stoq.placement.bench;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.placement.rendezvous.NodeFacts;
import io.stoq.placement.rendezvous.PlacementRequest;
import io.stoq.placement.rendezvous.PlacementSettings;
import io.stoq.placement.rendezvous.RendezvousPlacer;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Placements per second for 5 and 50 live nodes in 3 zones, {@code replicas:3} and
 * {@code erasure:4+2}, single thread. Run like {@link ErasureBench}:
 * {@code java -cp ... io.stoq.placement.bench.PlacementBench [seconds-per-case]}.
 */
public final class PlacementBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private PlacementBench() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        RendezvousPlacer placer = new RendezvousPlacer(PlacementSettings.DEFAULT);
        Hash256[] keys = new Hash256[4096];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = Sha3.hash(ByteBuffer.allocate(4).putInt(i).array());
        }
        System.out.printf("java %s, single thread, %.0f s per case%n", System.getProperty("java.version"), seconds);
        for (int pass = 0; pass < 2; pass++) { // the first pass is the warm-up
            for (int n : new int[] {5, 50}) {
                List<NodeFacts> nodes = nodes(n);
                for (RedundancyPolicy policy : new RedundancyPolicy[] {new RedundancyPolicy.Replicas(3),
                        new RedundancyPolicy.Erasure(4, 2)}) {
                    long end = System.nanoTime() + (long) (seconds * 1e9);
                    long cpu0 = THREADS.getCurrentThreadCpuTime();
                    long start = System.nanoTime();
                    long count = 0;
                    int sink = 0;
                    do {
                        sink += placer.place(new PlacementRequest(keys[(int) (count & 4095)], policy, 4 << 20), nodes)
                                .targets().size();
                        count++;
                    } while (System.nanoTime() < end);
                    double perSecond = count / ((System.nanoTime() - start) / 1e9);
                    double perCpuSecond = count / ((THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9);
                    if (pass == 1) {
                        System.out.printf("%2d nodes  %-12s %9.0f placements/s wall %9.0f per CPU-second"
                                + " (%.2f us of CPU per node)%n", n, policy, perSecond, perCpuSecond,
                                1e6 / perCpuSecond / n);
                    } else if (sink < 0) {
                        throw new AssertionError();
                    }
                }
            }
        }
    }

    private static List<NodeFacts> nodes(int n) {
        Random random = new Random(n);
        List<NodeFacts> nodes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            nodes.add(new NodeFacts("node-" + i, "zone-" + (i % 3), (100L + random.nextInt(900)) << 30,
                    50_000_000L + random.nextInt(200_000_000), Duration.ofMillis(1 + random.nextInt(80))));
        }
        return nodes;
    }
}
