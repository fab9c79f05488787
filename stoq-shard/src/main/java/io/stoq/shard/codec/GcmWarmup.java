package io.stoq.shard.codec;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.aead.AesGcm;

/**
 * Works around a JDK 17 JIT trap measured on this project's machines: when SunJCE's AES-GCM first
 * sees only a few large buffers (multi-MiB shards), HotSpot compiles it without the AES/GHASH
 * intrinsics and the pipeline runs at ~100 MiB/s instead of ~200+ (GHASH.processBlocks runs as
 * plain Java). Many small seal/open calls up front (once per JVM)
 * get the intrinsic paths compiled first. JDK 25 does not need it and is skipped.
 *
 * <p>Measured: the outcome is a JIT race, not deterministic. Fifty thousand 1 KiB seal/open pairs
 * (~2-3 s of one core) gave seal 1.1-1.5 GiB/s and open 0.5-0.7 GiB/s on 4 MiB buffers afterwards;
 * 4 KiB, 16 KiB, 64 KiB and 256 KiB warm-ups did worse (down to 77 MiB/s). It is a mitigation, so
 * it only runs for large inputs (see {@code AssetEncoder}) and in the benchmark.
 *
 * <p>Belongs in stoq-crypto's {@code AesGcm} eventually; kept here because only bulk shard
 * encryption hits it.
 */
public final class GcmWarmup {
    private static volatile boolean done;

    private GcmWarmup() {}

    /** Runs the warm-up once per JVM (on JDKs before 25); later calls return at once. */
    public static void ensure() {
        if (done) {
            return;
        }
        synchronized (GcmWarmup.class) {
            if (done) {
                return;
            }
            if (Runtime.version().feature() < 25) {
                byte[] key = AesGcm.newKey();
                byte[] plain = new byte[1024];
                try {
                    for (int i = 0; i < 50_000; i++) {
                        AesGcm.open(key, null, AesGcm.seal(key, null, plain));
                    }
                } catch (CryptoException e) {
                    throw new IllegalStateException("AES-GCM self-test failed during warm-up", e);
                }
            }
            done = true;
        }
    }
}
