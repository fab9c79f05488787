package io.stoq.shard.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.hash.Sha256;
import io.stoq.shard.AssetEncoder;
import io.stoq.shard.AssetId;
import io.stoq.shard.Fixtures;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.assemble.AssetReader;
import io.stoq.shard.assemble.FetchedShard;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.SignedManifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Suite 2: versions of one lineage share the shards of unchanged chunks, other lineages share
 * nothing, repeats inside one input are stored once, and every version reads back intact from
 * the shards stored by all of them together.
 */
class LineageTest {
    static final ChunkPlan PLAN = ChunkPlan.plain(new ChunkParams(16 * 1024, 64 * 1024, 256 * 1024, 1));

    /** A content-addressed store in memory that counts what was written. */
    static final class Store {
        final Map<Hash256, byte[]> shards = new HashMap<>();
        int puts;

        ShardSink sink() {
            return shard -> {
                if (!shard.reused()) {
                    assertThat(Sha3.hash(shard.stored())).isEqualTo(shard.hash());
                    shards.put(shard.hash(), shard.stored());
                    puts++;
                } else {
                    assertThat(shards).as("a reused shard is already stored").containsKey(shard.hash());
                }
            };
        }
    }

    record Version(SignedManifest signed, EncodeResult result) {
        AssetManifest manifest() {
            return signed.manifest();
        }
    }

    static Version encode(byte[] data, AssetId id, long version, AssetEncoder.Lineage lineage, Store store) throws Exception {
        try (ShardEncoder encoder = new ShardEncoder(2)) {
            AssetEncoder assets = new AssetEncoder(encoder, Fixtures.signer(), List.of(Fixtures.kem().getPublic()));
            AssetEncoder.Encoded e = assets.encode(new ByteArrayInputStream(data),
                    new AssetEncoder.Request(id, version, OptionalLong.of(data.length), RedundancyPolicy.DEFAULT, PLAN),
                    lineage, store.sink(), true);
            return new Version(e.manifest(), e.result());
        }
    }

    static byte[] read(Version v, Store store) throws Exception {
        AssetManifest m = SignedManifest.decode(v.signed().encoded()).verify(Fixtures.signer().verifyingKey());
        byte[] key = AssetKeys.unwrap(m, Fixtures.kem().getPrivate(), Fixtures.kem().getPublic());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new AssetReader(m, key, (i, entry) -> new FetchedShard(store.shards.get(entry.hash()), null)).readAll(out);
        return out.toByteArray();
    }

    static AssetEncoder.Lineage next(Version v) throws Exception {
        byte[] secret = AssetKeys.unwrap(v.manifest(), Fixtures.kem().getPrivate(), Fixtures.kem().getPublic());
        return AssetEncoder.Lineage.of(v.manifest(), secret);
    }

    @Test
    void aOneByteEditStoresOnlyTheShardsAroundIt() throws Exception {
        byte[] v1data = CorpusGenerator.bytes(CorpusKind.RANDOM, 8 << 20, 11);
        byte[] v2data = v1data.clone();
        v2data[v2data.length / 2] ^= 1;
        AssetId id = AssetId.random();
        Store store = new Store();
        Version v1 = encode(v1data, id, 1, AssetEncoder.Lineage.fresh(), store);
        int afterV1 = store.puts;
        Version v2 = encode(v2data, id, 2, next(v1), store);

        assertThat(v1.manifest().suite()).isEqualTo(AssetManifest.SUITE_V2);
        assertThat(v1.manifest().shards().size()).isGreaterThan(50);
        assertThat(store.puts - afterV1).as("new shards for a one-byte edit").isBetween(1, 3);
        assertThat(v2.result().reusedShards()).isGreaterThanOrEqualTo(v2.manifest().shards().size() - 3);
        assertThat(v2.result().newStoredBytes()).isLessThan(v2.result().storedBytes() / 10);
        assertThat(read(v1, store)).isEqualTo(v1data);
        assertThat(read(v2, store)).isEqualTo(v2data);
        assertThat(v2.result().plainSha256()).isEqualTo(Sha256.hash(v2data));
    }

    @Test
    void anotherLineageSharesNothingWithTheSameContent() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.TEXT, 2 << 20, 12);
        Store store = new Store();
        Version a = encode(data, AssetId.random(), 1, AssetEncoder.Lineage.fresh(), store);
        Version b = encode(data, AssetId.random(), 1, AssetEncoder.Lineage.fresh(), store);
        List<Hash256> ids = new ArrayList<>();
        for (ShardEntry e : a.manifest().shards()) {
            ids.add(e.chunkId());
        }
        for (ShardEntry e : b.manifest().shards()) {
            assertThat(ids).as("chunk ids are keyed by the lineage secret").doesNotContain(e.chunkId());
            assertThat(a.manifest().shards()).extracting(ShardEntry::hash).doesNotContain(e.hash());
        }
        assertThat(store.puts).isEqualTo(a.manifest().shards().size() + b.manifest().shards().size());
        assertThat(read(a, store)).isEqualTo(data);
        assertThat(read(b, store)).isEqualTo(data);
    }

    @Test
    void repeatsInsideOneInputAreStoredOnce() throws Exception {
        byte[] block = CorpusGenerator.bytes(CorpusKind.RANDOM, 1 << 20, 13);
        ByteArrayOutputStream three = new ByteArrayOutputStream();
        three.write(block);
        three.write(block);
        three.write(block);
        byte[] data = three.toByteArray();
        Store store = new Store();
        Version v = encode(data, AssetId.random(), 1, AssetEncoder.Lineage.fresh(), store);
        assertThat(v.result().reusedShards()).isGreaterThan(v.manifest().shards().size() / 2);
        assertThat(v.result().newStoredBytes()).isLessThan(v.result().storedBytes() / 2);
        assertThat(read(v, store)).isEqualTo(data);
    }

    @Test
    void aShardDoesNotOpenInAnotherLineageEvenUnderItsChunkId() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.TEXT, 300_000, 14);
        Store store = new Store();
        Version a = encode(data, AssetId.random(), 1, AssetEncoder.Lineage.fresh(), store);
        Version b = encode(data, AssetId.random(), 1, AssetEncoder.Lineage.fresh(), store);
        byte[] bKey = AssetKeys.unwrap(b.manifest(), Fixtures.kem().getPrivate(), Fixtures.kem().getPublic());
        ShardCodec bCodec = ShardCodec.reading(2, b.manifest().assetId(), 1, bKey, 1);
        ShardEntry aEntry = a.manifest().shards().get(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bCodec.open(0, aEntry, store.shards.get(aEntry.hash())))
                .isInstanceOf(io.stoq.shard.ShardException.class)
                .extracting(e -> ((io.stoq.shard.ShardException) e).code()).isEqualTo(io.stoq.shard.ShardErrorCode.WRONG_KEY);
    }

    @Test
    void sharedPoolEncodersHoldNoBudgetWhenDone() throws Exception {
        try (CodecPool pool = new CodecPool(2, 4L << 20)) {
            byte[] data = CorpusGenerator.bytes(CorpusKind.MIXED, 6 << 20, 15);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    try (ShardEncoder encoder = new ShardEncoder(pool)) {
                        EncodeResult r = encoder.encode(new ByteArrayInputStream(data), PLAN,
                                ShardCodec.lineage(AssetId.random(), io.stoq.crypto.aead.AesGcm.newKey(), 1, true, Map.of()),
                                ShardSink.DISCARD, true);
                        assertThat(r.plainBytes()).isEqualTo(data.length);
                        assertThat(r.plainSha256()).isEqualTo(Sha256.hash(data));
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(120_000);
            }
            assertThat(failures).isEmpty();
            assertThat(pool.memoryAvailable()).isEqualTo(pool.memoryBudget());
        }
    }
}
