package io.stoq.shard.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.shard.AssetId;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ShardEncoderTest {
    static final ChunkParams P = new ChunkParams(4096, 16384, 65536, 1);

    /** Counts bytes the pipeline has pulled from its input. */
    static final class Counting extends FilterInputStream {
        final AtomicLong read = new AtomicLong();

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                read.addAndGet(n);
            }
            return n;
        }
    }

    @Test
    void readAheadIsBoundedSoMemoryIsTooWhateverTheInputSize() throws Exception {
        long size = 40L << 20;
        int threads = 2;
        int window = ShardEncoder.WINDOW_PER_THREAD * threads;
        // The chunker's buffer (at most 2 x (max + 1)) plus the shards in flight (window x max).
        long bound = 2L * (P.max() + 1) + (long) window * P.max();
        long[] worst = {0};
        long[] next = {0};
        ShardCodec codec = new ShardCodec(AssetId.random(), 1, AesGcm.newKey(), 1, true);
        try (ShardEncoder encoder = new ShardEncoder(threads);
                Counting in = new Counting(CorpusGenerator.stream(CorpusKind.MIXED, size, 3))) {
            EncodeResult result = encoder.encode(in, ChunkPlan.plain(P), codec, shard -> {
                assertThat(shard.index()).isEqualTo((int) next[0]++); // strictly in order
                // Everything still in flight is a later shard, not yet emitted or failed.
                Map<Long, ShardState> states = encoder.inFlight();
                assertThat(states.keySet()).allMatch(i -> i > shard.index());
                assertThat(states.values()).doesNotContain(ShardState.EMITTED, ShardState.FAILED);
                long ahead = in.read.get() - (shard.plainOffset() + shard.plainLength());
                worst[0] = Math.max(worst[0], ahead);
            });
            assertThat(result.plainBytes()).isEqualTo(size);
            assertThat(result.shards()).hasSize((int) next[0]);
            assertThat(encoder.inFlight()).isEmpty();
        }
        assertThat(worst[0]).as("bytes read ahead of the last emitted shard").isPositive().isLessThanOrEqualTo(bound);
    }

    @Test
    void aFailingSinkStopsThePipelineWithItsError() throws Exception {
        ShardCodec codec = new ShardCodec(AssetId.random(), 1, AesGcm.newKey(), 1, true);
        try (ShardEncoder encoder = new ShardEncoder(2);
                InputStream in = CorpusGenerator.stream(CorpusKind.RANDOM, 10L << 20, 4)) {
            assertThatThrownBy(() -> encoder.encode(in, ChunkPlan.plain(P), codec, shard -> {
                if (shard.index() == 5) {
                    throw new ShardException(ShardErrorCode.IO_ERROR, "disk full at shard 5");
                }
            })).isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.getMessage()).isEqualTo("disk full at shard 5"));
            // The shards queued behind shard 5 were abandoned, and say so.
            assertThat(encoder.inFlight()).isNotEmpty().allSatisfy((i, state) -> {
                assertThat(i).isGreaterThan(5L);
                assertThat(state).isEqualTo(ShardState.FAILED);
            });
        }
    }

    @Test
    void shardStatesMoveOnlyForwardAndEndInEmittedOrFailed() {
        for (ShardState from : ShardState.values()) {
            for (ShardState to : ShardState.values()) {
                boolean legal = from.canMoveTo(to);
                if (from == ShardState.EMITTED || from == ShardState.FAILED) {
                    assertThat(legal).as("%s is terminal", from).isFalse();
                } else if (to == ShardState.FAILED) {
                    assertThat(legal).as("%s -> FAILED", from).isTrue();
                } else {
                    assertThat(legal).as("%s -> %s", from, to).isEqualTo(to.ordinal() == from.ordinal() + 1);
                }
            }
        }
    }
}
