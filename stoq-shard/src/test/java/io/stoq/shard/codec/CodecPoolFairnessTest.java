package io.stoq.shard.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.shard.AssetId;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One shared pool, two uploads: the pool's FIFO queue and each encoder's bounded window make them
 * take turns, so a small upload that starts while a large one is running finishes long before it
 * (with a pool per upload, or one encoder allowed to fill the queue, it would wait for the large one).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CodecPoolFairnessTest {
    static final ChunkPlan PLAN = ChunkPlan.plain(new ChunkParams(16 * 1024, 64 * 1024, 256 * 1024, 1));

    @Test
    void aSmallUploadIsNotStuckBehindALargeOne() throws Exception {
        try (CodecPool pool = new CodecPool(1, 64L << 20)) {
            long large = 96L << 20;
            CompletableFuture<Void> big = CompletableFuture.runAsync(() -> {
                try (ShardEncoder encoder = new ShardEncoder(pool)) {
                    encoder.encode(CorpusGenerator.stream(CorpusKind.RANDOM, large, 1), PLAN,
                            ShardCodec.lineage(AssetId.random(), AesGcm.newKey(), 1, true, Map.of()), ShardSink.DISCARD, true);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (ShardEncoder encoder = new ShardEncoder(pool)) {
                EncodeResult r = encoder.encode(CorpusGenerator.stream(CorpusKind.RANDOM, 1 << 20, 2), PLAN,
                        ShardCodec.lineage(AssetId.random(), AesGcm.newKey(), 1, true, Map.of()), ShardSink.DISCARD, true);
                assertThat(r.plainBytes()).isEqualTo(1 << 20);
            }
            assertThat(big.isDone()).as("the small upload finished while the large one was still encoding").isFalse();
            big.get(2, TimeUnit.MINUTES);
        }
    }
}
