package io.stoq.shard.assemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.shard.Fixtures;
import io.stoq.shard.RoundTrip;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.codec.Compression;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RoundTripTest {
    static final ChunkPlan SMALL = ChunkPlan.plain(new ChunkParams(4096, 16384, 65536, 1));

    @Test
    void edgeCasesRoundTripByteExact() throws Exception {
        List<byte[]> inputs = List.of(
                new byte[0],
                new byte[] {42},
                CorpusGenerator.bytes(CorpusKind.RANDOM, 65536, 1),   // exactly the max chunk size
                CorpusGenerator.bytes(CorpusKind.RANDOM, 16384, 2),   // exactly the average chunk size
                CorpusGenerator.bytes(CorpusKind.RANDOM, 4096, 3));   // exactly the min: one chunk
        for (byte[] data : inputs) {
            RoundTrip rt = RoundTrip.encode(data, SMALL, 2);
            assertThat(rt.decode()).as("%d bytes", data.length).isEqualTo(data);
            assertThat(rt.signed.manifest().plainSize()).isEqualTo(data.length);
        }
        assertThat(RoundTrip.encode(new byte[0], SMALL, 1).signed.manifest().shards()).isEmpty();
        assertThat(RoundTrip.encode(CorpusGenerator.bytes(CorpusKind.RANDOM, 4096, 3), SMALL, 1).signed.manifest().shards()).hasSize(1);
    }

    @Test
    void compressibleShardsShrinkAndIncompressibleOnesStayRaw() throws Exception {
        byte[] zeros = new byte[3 << 20];
        RoundTrip z = RoundTrip.encode(zeros, null, 2); // the size calculator picks the plan
        assertThat(z.decode()).isEqualTo(zeros);
        assertThat(z.signed.manifest().shards()).allSatisfy(e -> assertThat(e.compression()).isEqualTo(Compression.ZSTD));
        assertThat(z.signed.manifest().storedSize()).isLessThan(zeros.length / 100);

        byte[] random = CorpusGenerator.bytes(CorpusKind.RANDOM, 3 << 20, 9);
        RoundTrip r = RoundTrip.encode(random, null, 2);
        assertThat(r.decode()).isEqualTo(random);
        assertThat(r.signed.manifest().shards()).allSatisfy(e -> {
            assertThat(e.compression()).isEqualTo(Compression.RAW);
            assertThat(e.storedLength()).isEqualTo(e.plainLength() + AesGcm.OVERHEAD);
        });

        byte[] text = CorpusGenerator.bytes(CorpusKind.TEXT, 3 << 20, 5);
        RoundTrip t = RoundTrip.encode(text, null, 2);
        assertThat(t.decode()).isEqualTo(text);
        assertThat(t.signed.manifest().storedSize()).isLessThan(text.length / 2);
    }

    @Property(tries = 12)
    void anyBytesRoundTrip(@ForAll @Size(max = 200_000) byte[] data) throws Exception {
        RoundTrip rt = RoundTrip.encode(data, SMALL, 3);
        assertThat(rt.decode()).isEqualTo(data);
    }

    @Test
    void outputOrderIsDeterministicWhateverTheParallelism() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.MIXED, 14 << 20, 11);
        RoundTrip one = RoundTrip.encode(data, SMALL, 1);
        RoundTrip four = RoundTrip.encode(data, SMALL, 4);
        assertThat(lengths(four.signed.manifest())).isEqualTo(lengths(one.signed.manifest()));
        assertThat(four.decode()).isEqualTo(data);
    }

    static List<Integer> lengths(AssetManifest m) {
        return m.shards().stream().map(ShardEntry::plainLength).toList();
    }

    @Test
    void parallelReadAllIsByteExactAndStillStopsAtATamperedShard() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.MIXED, 9 << 20, 21);
        RoundTrip rt = RoundTrip.encode(data, SMALL, 2);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            rt.reader().readAll(out, pool, 3);
            assertThat(out.toByteArray()).isEqualTo(data);
            int victim = rt.stored.size() / 2;
            rt.stored.get(victim)[40] ^= 4;
            ByteArrayOutputStream partial = new ByteArrayOutputStream();
            assertThatThrownBy(() -> rt.reader().readAll(partial, pool, 3)).isInstanceOfSatisfying(ShardException.class, e -> {
                assertThat(e.code()).isEqualTo(ShardErrorCode.SHARD_HASH_MISMATCH);
                assertThat(e.getMessage()).startsWith("shard " + victim + " ");
            });
            assertThat(partial.size()).isLessThanOrEqualTo((int) rt.verified().offsetOf(victim));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFlippedBitInAnyShardIsDetectedAndNamed() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.RANDOM, 300_000, 4);
        RoundTrip rt = RoundTrip.encode(data, SMALL, 2);
        Random random = new Random(1);
        for (int i = 0; i < rt.stored.size(); i++) {
            byte[] good = rt.stored.get(i);
            byte[] bad = good.clone();
            bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
            rt.stored.set(i, bad);
            int index = i;
            assertThatThrownBy(rt::decode).isInstanceOfSatisfying(ShardException.class, e -> {
                assertThat(e.code()).isEqualTo(ShardErrorCode.SHARD_HASH_MISMATCH);
                assertThat(e.getMessage()).startsWith("shard " + index + " hash mismatch");
            });
            rt.stored.set(i, good);
        }
        assertThat(rt.decode()).isEqualTo(data);
    }

    @Test
    void truncatedMissingAndSwappedShardsFailCleanly() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.RANDOM, 200_000, 6);
        RoundTrip rt = RoundTrip.encode(data, SMALL, 2);
        byte[] good = rt.stored.get(1);
        rt.stored.set(1, Arrays.copyOf(good, good.length - 1));
        assertThatThrownBy(rt::decode).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.SHARD_TRUNCATED));
        rt.stored.set(1, rt.stored.get(2));
        assertThatThrownBy(rt::decode).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.SHARD_HASH_MISMATCH));
        rt.stored.set(1, good);
        rt.stored.remove(rt.stored.size() - 1);
        assertThatThrownBy(rt::decode).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.SHARD_MISSING));
    }

    @Test
    void aWrongKeyFailsCleanly() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.TEXT, 100_000, 6);
        RoundTrip rt = RoundTrip.encode(data, SMALL, 2);
        assertThatThrownBy(() -> rt.reader(Fixtures.otherKem())).isInstanceOfSatisfying(ShardException.class, e -> {
            assertThat(e.code()).isEqualTo(ShardErrorCode.WRONG_KEY);
            assertThat(e.getMessage()).contains("no asset key for ML-KEM key");
        });
        // A key entry that is present but addressed to someone else's fingerprint does not unwrap.
        AssetManifest m = rt.verified();
        assertThatThrownBy(() -> AssetKeys.unwrap(m, Fixtures.otherKem().getPrivate(), Fixtures.kem().getPublic()))
                .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(ShardErrorCode.WRONG_KEY));
        // The right shards under a wrong asset key: authentication fails, no bytes are released.
        AssetReader wrong = new AssetReader(m, AesGcm.newKey(), (i, e) -> new FetchedShard(rt.stored.get(i), null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> wrong.readAll(out)).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.WRONG_KEY));
        assertThat(out.size()).isZero();
    }

    @Test
    void rangeReadsTouchOnlyTheShardsTheyNeed() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.MIXED, 1 << 20, 8);
        RoundTrip rt = RoundTrip.encode(data, SMALL, 2);
        AssetManifest m = rt.verified();
        byte[] key = AssetKeys.unwrap(m, Fixtures.kem().getPrivate(), Fixtures.kem().getPublic());
        AtomicInteger fetches = new AtomicInteger();
        AssetReader reader = new AssetReader(m, key, (i, e) -> {
            fetches.incrementAndGet();
            return new FetchedShard(rt.stored.get(i), null);
        });
        long start3 = m.offsetOf(3);
        int len3 = m.shards().get(3).plainLength();
        record Range(long offset, long length, int shards) {}
        for (Range r : List.of(new Range(start3 + 1, 10, 1), new Range(start3, len3, 1), new Range(start3 + len3 - 5, 10, 2),
                new Range(0, 1, 1), new Range(data.length - 1, 1, 1), new Range(0, data.length, m.shards().size()),
                new Range(17, 0, 0))) {
            fetches.set(0);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(reader.readRange(r.offset(), r.length(), out)).isEqualTo(r.shards());
            assertThat(fetches.get()).as("fetches for %s", r).isEqualTo(r.shards());
            assertThat(out.toByteArray()).isEqualTo(Arrays.copyOfRange(data, (int) r.offset(), (int) (r.offset() + r.length())));
        }
        assertThatThrownBy(() -> reader.readRange(data.length - 1, 2, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(ShardErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void shardsArrivingInAnyOrderAreIdentifiedVerifiedAndPlaced() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.TEXT, 500_000, 12);
        RoundTrip rt = RoundTrip.encode(data, SMALL, 2);
        AssetReader reader = rt.reader();
        List<byte[]> shuffled = new ArrayList<>(rt.stored);
        Collections.shuffle(shuffled, new Random(3));
        byte[] out = new byte[data.length];
        for (byte[] stored : shuffled) {
            reader.accept(stored, null, (index, offset, plain) -> System.arraycopy(plain, 0, out, (int) offset, plain.length));
        }
        assertThat(out).isEqualTo(data);
        byte[] foreign = rt.stored.get(0).clone();
        foreign[5] ^= 1;
        assertThatThrownBy(() -> reader.accept(foreign, null, (i, o, p) -> { }))
                .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(ShardErrorCode.SHARD_HASH_MISMATCH));
    }
}
