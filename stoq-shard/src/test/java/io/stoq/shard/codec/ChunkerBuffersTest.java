package io.stoq.shard.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.shard.AssetId;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.chunk.Chunker;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chunkers' read buffers stay within their budget, are reused, and waiters go on once one is given back. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ChunkerBuffersTest {

    @Test
    void buffersAreReusedAndBounded() throws Exception {
        ChunkerBuffers buffers = new ChunkerBuffers(2 << 20);
        byte[] a = buffers.acquire(1 << 20);
        byte[] b = buffers.acquire(1 << 20);
        assertThat(buffers.allocatedBytes()).isEqualTo(2 << 20);
        CompletableFuture<byte[]> third = CompletableFuture.supplyAsync(() -> {
            try {
                return buffers.acquire(1 << 20);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // the budget is lent out: the third caller keeps waiting
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !third.isDone());
        buffers.release(a);
        assertThat(third.get(10, TimeUnit.SECONDS)).as("it gets the returned buffer, not a new one").isSameAs(a);
        assertThat(buffers.allocatedBytes()).isEqualTo(2 << 20);
        buffers.release(b);
    }

    @Test
    void aFreeBufferTooSmallIsDroppedToMakeRoom() throws Exception {
        ChunkerBuffers buffers = new ChunkerBuffers(2 << 20);
        buffers.release(buffers.acquire(1 << 20));
        buffers.release(buffers.acquire(1 << 20)); // the same one again
        byte[] big = buffers.acquire(2 << 20);
        assertThat(big).hasSize(2 << 20);
        assertThat(buffers.allocatedBytes()).isEqualTo(2 << 20);
        buffers.release(big);
        byte[] larger = buffers.acquire(3 << 20); // alone it may exceed the budget rather than wait forever
        assertThat(larger).hasSize(3 << 20);
    }

    @Test
    void concurrentEncodesNeverHoldMoreChunkerBuffersThanTheBudget() throws Exception {
        ChunkPlan plan = ChunkPlan.plain(new ChunkParams(16 * 1024, 64 * 1024, 256 * 1024, 1));
        long budget = 3L * Chunker.bufferSize(plan);
        AtomicLong peak = new AtomicLong();
        try (CodecPool pool = new CodecPool(2, budget)) {
            List<CompletableFuture<EncodeResult>> uploads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int seed = i;
                uploads.add(CompletableFuture.supplyAsync(() -> {
                    try (ShardEncoder encoder = new ShardEncoder(pool)) {
                        return encoder.encode(CorpusGenerator.stream(CorpusKind.TEXT, 4L << 20, seed), plan,
                                ShardCodec.lineage(AssetId.random(), AesGcm.newKey(), 1, true, Map.of()),
                                shard -> peak.accumulateAndGet(pool.chunkerBufferBytes(), Math::max), true);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (CompletableFuture<EncodeResult> u : uploads) {
                assertThat(u.get(2, TimeUnit.MINUTES).plainBytes()).isEqualTo(4L << 20);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.chunkerBufferBytes() <= budget);
            assertThat(peak.get()).isPositive().isLessThanOrEqualTo(budget);
        }
    }
}
