package io.stoq.node.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.shard.AssetEncoder;
import io.stoq.shard.AssetId;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.assemble.AssetReader;
import io.stoq.shard.assemble.FetchedShard;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.codec.CodecPool;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The download stream: exact bytes, read-ahead within its window, ranges touch only their shards, close frees everything. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ContentStreamTest {
    static final ChunkPlan PLAN = ChunkPlan.plain(new ChunkParams(16 * 1024, 64 * 1024, 256 * 1024, 1));
    static byte[] data;
    static AssetManifest manifest;
    static byte[] key;
    static final Map<Hash256, byte[]> stored = new HashMap<>();
    static CodecPool pool;

    @BeforeAll
    static void encode() throws Exception {
        data = CorpusGenerator.bytes(CorpusKind.RANDOM, 6 << 20, 21);
        KeyPair kem = KemAlgorithm.ML_KEM_768.generateKeyPair();
        try (ShardEncoder encoder = new ShardEncoder(2)) {
            AssetEncoder assets = new AssetEncoder(encoder, SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F),
                    List.of(kem.getPublic()));
            manifest = assets.encode(new ByteArrayInputStream(data), new AssetEncoder.Request(AssetId.random(), 1,
                    OptionalLong.of(data.length), RedundancyPolicy.DEFAULT, PLAN), shard -> stored.put(shard.hash(), shard.stored()))
                    .manifest();
        }
        key = AssetKeys.unwrap(manifest, kem.getPrivate(), kem.getPublic());
        pool = new CodecPool(2, 64L << 20);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    /** A reader whose source records which shards were fetched; shard {@code corrupt} comes back with a flipped byte. */
    static AssetReader reader(Set<Integer> fetched, int corrupt) {
        return new AssetReader(manifest, key, (i, entry) -> {
            fetched.add(i);
            byte[] bytes = stored.get(entry.hash());
            if (i == corrupt) {
                bytes = bytes.clone();
                bytes[bytes.length / 2] ^= 1;
            }
            return new FetchedShard(bytes, null);
        });
    }

    static Set<Integer> overlapping(long first, long length) {
        Set<Integer> out = new TreeSet<>();
        long offset = 0;
        for (int i = 0; i < manifest.shards().size(); i++) {
            long end = offset + manifest.shards().get(i).plainLength();
            if (end > first && offset < first + length) {
                out.add(i);
            }
            offset = end;
        }
        return out;
    }

    @Test
    void theWholeAssetComesBackExactlyAndTheBudgetIsReturned() throws Exception {
        Set<Integer> fetched = new ConcurrentSkipListSet<>();
        try (ContentStream in = new ContentStream(reader(fetched, -1), manifest, 0, data.length, pool, 4, i -> { })) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(fetched).hasSize(manifest.shards().size());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.memoryAvailable() == pool.memoryBudget());
    }

    @Test
    void aSmallRangeTouchesOnlyTheShardsItNeeds() throws Exception {
        assertThat(manifest.shards().size()).isGreaterThan(20);
        long first = manifest.offsetOf(10) + 100;
        long length = manifest.shards().get(10).plainLength() + 50; // ends inside shard 11
        Set<Integer> fetched = new ConcurrentSkipListSet<>();
        try (ContentStream in = new ContentStream(reader(fetched, -1), manifest, first, length, pool, 8, i -> { })) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, (int) first, (int) (first + length)));
        }
        assertThat(fetched).isEqualTo(overlapping(first, length)).containsExactly(10, 11);
    }

    @Test
    void closingMidwayCancelsTheReadAheadAndFreesItsBudget() throws Exception {
        Set<Integer> fetched = new ConcurrentSkipListSet<>();
        ContentStream in = new ContentStream(reader(fetched, -1), manifest, 0, data.length, pool, 4, i -> { });
        byte[] head = in.readNBytes(1000);
        assertThat(head).isEqualTo(Arrays.copyOf(data, 1000));
        assertThat(in.readingAhead()).isBetween(1, 4);
        in.close();
        assertThat(in.readingAhead()).isZero();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.memoryAvailable() == pool.memoryBudget());
        assertThat(fetched.size()).as("the shard being read plus at most the window").isLessThanOrEqualTo(1 + 4);
        assertThatThrownBy(() -> in.read()).isInstanceOf(IOException.class);
        // the pool is free for others: nothing is stuck on its threads
        assertThat(pool.submit(() -> 42).get(10, TimeUnit.SECONDS)).isEqualTo(42);
    }

    @Test
    void aCorruptShardStopsTheStreamAndIsReported() {
        Set<Integer> fetched = new ConcurrentSkipListSet<>();
        Set<Integer> reported = new ConcurrentSkipListSet<>();
        ContentStream in = new ContentStream(reader(fetched, 3), manifest, 0, data.length, pool, 4, reported::add);
        assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("shard 3");
        assertThat(reported).containsExactly(3);
        in.close();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.memoryAvailable() == pool.memoryBudget());
    }

    @Test
    void aSpentBudgetMeansReadingOnTheCallersThreadNotWaiting() throws Exception {
        try (CodecPool tiny = new CodecPool(1, 1024)) {
            int all = tiny.tryReserve(1024);
            assertThat(all).isPositive();
            Set<Integer> fetched = new ConcurrentSkipListSet<>();
            try (ContentStream in = new ContentStream(reader(fetched, -1), manifest, 0, data.length, tiny, 4, i -> { })) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            tiny.unreserve(all);
        }
    }
}
