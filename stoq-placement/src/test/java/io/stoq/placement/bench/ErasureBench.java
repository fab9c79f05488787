package io.stoq.placement.bench;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Sha3;
import io.stoq.placement.erasure.EncodedShard;
import io.stoq.placement.erasure.ErasureCodec;
import io.stoq.placement.erasure.Piece;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.util.List;
import org.apache.hadoop.hdds.client.ECReplicationConfig;
import org.apache.ozone.erasurecode.rawcoder.RSRawErasureCoderFactory;
import org.apache.ozone.erasurecode.rawcoder.RawErasureEncoder;

/**
 * Erasure coding speed as a ratio to AES-256-GCM in the same run (the project's benchmark
 * convention, docs/benchmarks.md; also per CPU-second, for a shared machine): the SHA3-256 and
 * bare-coder baselines, encode, and decode with two pieces lost, of 4 MiB shards at
 * 4+2. Decode includes the SHA3-256 check of the k pieces it uses; encode includes hashing all
 * k+m pieces. Run from the worktree root:
 *
 * <pre>
 *   ./mvnw -B -ntp -o -q -pl stoq-placement -am test-compile
 *   java -cp "stoq-crypto/target/classes:stoq-shard/target/classes:stoq-placement/target/classes:\
 *     stoq-placement/target/test-classes:&lt;bcprov, hdds-erasurecode, hdds-common, hadoop-common jars&gt;" \
 *     io.stoq.placement.bench.ErasureBench [seconds-per-phase]
 * </pre>
 */
public final class ErasureBench {
    private static final int SHARD = 4 << 20;

    private ErasureBench() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        byte[] shard = new byte[SHARD];
        new SecureRandom().nextBytes(shard);
        ErasureCodec codec = ErasureCodec.of(new RedundancyPolicy.Erasure(4, 2));
        EncodedShard encoded = codec.encode(shard);
        // pieces 0 and 4 lost: one data piece must be rebuilt from parity
        List<Piece> survivors = List.of(encoded.pieces().get(1), encoded.pieces().get(2),
                encoded.pieces().get(3), encoded.pieces().get(5));

        AesGcm.warmUp();
        byte[] key = AesGcm.newKey();
        byte[] aad = new byte[28];
        Phase aes = () -> AesGcm.seal(key, aad, shard);
        Phase sha3 = () -> Sha3.hash(shard);
        RawErasureEncoder bare = new RSRawErasureCoderFactory().createEncoder(new ECReplicationConfig(4, 2));
        byte[][] slices = new byte[4][];
        for (int i = 0; i < 4; i++) {
            slices[i] = encoded.pieces().get(i).data();
        }
        byte[][] parity = new byte[2][SHARD / 4];
        Phase rsOnly = () -> bare.encode(slices, parity);
        Phase encode = () -> codec.encode(shard);
        Phase decode = () -> {
            if (codec.decode(encoded.layout(), survivors).length != SHARD) {
                throw new AssertionError("decode lost bytes");
            }
        };
        // warm-up of every phase before any is measured
        for (Phase phase : new Phase[] {aes, sha3, rsOnly, encode, decode}) {
            run(phase, seconds);
        }
        double[] aesMb = run(aes, seconds);
        double[] sha3Mb = run(sha3, seconds);
        double[] rsMb = run(rsOnly, seconds);
        double[] encodeMb = run(encode, seconds);
        double[] decodeMb = run(decode, seconds);
        System.out.printf("java %s, 4+2 on 4 MiB shards, %.0f s per phase; MB/s wall and MB per CPU-second%n",
                System.getProperty("java.version"), seconds);
        print("AES-256-GCM seal (AesGcm)", aesMb, aesMb);
        print("SHA3-256 (BouncyCastle)", sha3Mb, aesMb);
        print("bare Ozone RS 4+2 parity", rsMb, aesMb);
        print("RS 4+2 encode (+SHA3 of 6)", encodeMb, aesMb);
        print("RS 4+2 decode, 2 lost (+SHA3 of 4)", decodeMb, aesMb);
    }

    private static void print(String name, double[] mb, double[] aes) {
        System.out.printf("%-36s %8.1f MB/s (%.3f x AES)  %8.1f MB/cpu-s (%.3f x AES)%n", name, mb[0], mb[0] / aes[0],
                mb[1], mb[1] / aes[1]);
    }

    /**
     * {shard MB/s wall, shard MB per CPU-second of this thread} of {@code phase} over about
     * {@code seconds}; the second stays meaningful on a machine other work shares.
     */
    private static double[] run(Phase phase, double seconds) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long cpu0 = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long rounds = 0;
        do {
            phase.run();
            rounds++;
        } while (System.nanoTime() < end);
        double mb = rounds * (double) SHARD / 1e6;
        long wall = System.nanoTime() - start;
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        return new double[] {mb / (wall / 1e9), mb / (cpu / 1e9)};
    }

    @FunctionalInterface
    private interface Phase {
        void run() throws Exception;
    }
}
