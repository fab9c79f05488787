package io.stoq.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Hash256;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.codec.ShardCodec;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.SignedManifest;
import io.stoq.shard.merkle.ShardMerkle;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A 2 GiB generated asset, streamed: every shard is opened as it leaves the pipeline and compared
 * with a second copy of the generated stream, so nothing of GiB size is held in memory or written
 * to disk. Then the signed manifest and every shard's inclusion proof are checked.
 */
class LargeRoundTripIT {
    static final long SIZE = 2L << 30;

    @Test
    void twoGibStreamRoundTripsByteExact() throws Exception {
        AssetId id = AssetId.random();
        byte[] assetKey = AesGcm.newKey();
        ShardCodec opener = new ShardCodec(id, 3, assetKey, AssetEncoder.DEFAULT_ZSTD_LEVEL, true);
        List<Hash256> hashes = new ArrayList<>();
        long[] checked = {0};
        try (ShardEncoder encoder = new ShardEncoder(2);
                InputStream expected = CorpusGenerator.stream(CorpusKind.MIXED, SIZE, 77);
                InputStream source = CorpusGenerator.stream(CorpusKind.MIXED, SIZE, 77)) {
            AssetEncoder assets = new AssetEncoder(encoder, Fixtures.signer(), List.of(Fixtures.kem().getPublic()));
            SignedManifest signed = assets.encode(source,
                    new AssetEncoder.Request(id, 3, OptionalLong.of(SIZE), RedundancyPolicy.DEFAULT, null), assetKey, shard -> {
                        byte[] plain = opener.decode(shard.index(), shard.entry(), shard.stored());
                        byte[] want = expected.readNBytes(plain.length);
                        assertThat(shard.plainOffset()).isEqualTo(checked[0]);
                        if (!java.util.Arrays.equals(plain, want)) {
                            throw new AssertionError("shard " + shard.index() + " at " + shard.plainOffset() + " differs");
                        }
                        checked[0] += plain.length;
                        hashes.add(shard.hash());
                    });
            assertThat(expected.read()).as("the stream is fully consumed").isEqualTo(-1);
            assertThat(checked[0]).isEqualTo(SIZE);

            AssetManifest m = SignedManifest.decode(signed.encoded()).verify(Fixtures.signer().verifyingKey());
            assertThat(m.plainSize()).isEqualTo(SIZE);
            assertThat(m.shards().stream().map(ShardEntry::hash).toList()).isEqualTo(hashes);
            assertThat(AssetKeys.unwrap(m, Fixtures.kem().getPrivate(), Fixtures.kem().getPublic())).isEqualTo(assetKey);
            io.stoq.crypto.merkle.MerkleTree tree = ShardMerkle.tree(hashes);
            for (int i = 0; i < hashes.size(); i++) {
                assertThat(ShardMerkle.verify(m.merkleRoot(), hashes.size(), i, hashes.get(i), tree.proof(i))).isTrue();
            }
            System.out.printf("2 GiB mixed: %d shards, stored %d bytes%n", m.shards().size(), m.storedSize());
        }
    }
}
