package io.stoq.shard.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import io.stoq.crypto.aead.AesGcm;
import io.stoq.shard.AssetId;
import io.stoq.shard.chunk.Chunk;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShardCodecTest {
    private final ShardCodec codec = new ShardCodec(AssetId.random(), 7, AesGcm.newKey(), 1, true);

    @Test
    void oneWorkspaceReusedAcrossShardsOfEverySizeAndKindGivesExactShards() throws Exception {
        // Sizes shrink and grow so the scratch array is both larger and smaller than the shard;
        // kinds alternate so a stale compressed body from the previous shard would show.
        int[] sizes = {1, 300_000, 17, 2_000_000, 65_536, 4_000_000, 131_072, 5};
        CorpusKind[] kinds = {CorpusKind.TEXT, CorpusKind.RANDOM, CorpusKind.DUPLICATED};
        try (CodecWorkspace workspace = new CodecWorkspace()) {
            for (int i = 0; i < sizes.length * kinds.length; i++) {
                CorpusKind kind = kinds[i % kinds.length];
                byte[] plain = CorpusGenerator.bytes(kind, sizes[i % sizes.length], i);
                EncodedShard shard = codec.encode(new Chunk(i, 0, plain), workspace);
                ShardEntry entry = shard.entry();
                assertThat(codec.decode(i, entry, shard.stored())).as("shard %d (%s, %d bytes)", i, kind, plain.length).isEqualTo(plain);
                if (entry.compression() == Compression.RAW) {
                    assertThat(shard.stored().length).isEqualTo(plain.length + AesGcm.OVERHEAD);
                } else {
                    assertThat(shard.stored().length).isLessThan(plain.length + AesGcm.OVERHEAD);
                }
                if (kind == CorpusKind.TEXT && plain.length >= 65_536) {
                    assertThat(entry.compression()).as("text shard %d compresses", i).isEqualTo(Compression.ZSTD);
                    assertThat(shard.stored().length).isLessThan(plain.length / 2);
                }
                if (kind == CorpusKind.RANDOM) {
                    assertThat(entry.compression()).as("random shard %d stays raw", i).isEqualTo(Compression.RAW);
                }
            }
        }
    }

    @Test
    void theWorkspaceFrameIsWhatTheAllocatingPathWouldStoreAndDeclaresItsSize() throws Exception {
        byte[] plain = CorpusGenerator.bytes(CorpusKind.TEXT, 1 << 20, 11);
        try (CodecWorkspace workspace = new CodecWorkspace()) {
            int n = workspace.compress(plain, 0, plain.length, 1);
            byte[] frame = Arrays.copyOf(workspace.packed(), n);
            assertThat(frame).isEqualTo(Zstd.compress(plain, 1));
            assertThat(Zstd.getFrameContentSize(frame)).isEqualTo(plain.length);
        }
    }
}
