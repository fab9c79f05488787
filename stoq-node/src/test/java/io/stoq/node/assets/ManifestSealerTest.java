package io.stoq.node.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.node.store.SealStore;
import io.stoq.shard.AssetId;
import io.stoq.shard.analyze.BoundaryRule;
import io.stoq.shard.analyze.ContentFormat;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.codec.Compression;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.BatchSeal;
import io.stoq.shard.manifest.BatchSigner;
import io.stoq.shard.manifest.ChunkingInfo;
import io.stoq.shard.manifest.ManifestBody;
import io.stoq.shard.manifest.ManifestVerifier;
import io.stoq.shard.manifest.SignedManifest;
import io.stoq.shard.merkle.ShardMerkle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sealer with a real SLH-DSA key and a real seal store: bodies wait for the interval (or
 * {@link ManifestSealer#sealNow}), one signature seals them all, the seals survive a reopen of
 * the store and verify with the public key; the queue is bounded in bytes and makes submitters
 * wait instead of growing; a body submitted twice is sealed once.
 */
@Timeout(120)
class ManifestSealerTest {
    static SigningKey key;

    @TempDir
    Path dir;

    @BeforeAll
    static void key() throws Exception {
        key = SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F);
    }

    static ManifestBody body(int i) throws Exception {
        List<ShardEntry> shards = List.of(new ShardEntry(1000, 1028, Compression.RAW, Sha3.hash(new byte[] {(byte) i, 1})),
                new ShardEntry(1000, 1028, Compression.RAW, Sha3.hash(new byte[] {(byte) i, 2})));
        return ManifestBody.of(new AssetManifest(AssetId.random(), 1, ContentFormat.BINARY, 2000,
                new ChunkingInfo(ChunkParams.of(4096, 16384, 65536, 1), BoundaryRule.NONE, 0), 1, shards,
                ShardMerkle.treeOf(shards).root(), List.of()));
    }

    @Test
    void bodiesOfOneIntervalShareOneSealThatSurvivesAReopen() throws Exception {
        List<ManifestBody> bodies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            bodies.add(body(i));
        }
        try (SealStore store = SealStore.open(dir.resolve("seals"), true);
                ManifestSealer sealer = new ManifestSealer(new BatchSigner(key), store, Duration.ofMillis(200), 4096, 1 << 20)) {
            for (ManifestBody b : bodies) {
                sealer.submit(b);
                assertThat(sealer.sealOf(b.digest())).isEmpty(); // not before the interval ends
            }
            sealer.submit(bodies.get(0)); // a second submit of a queued body (a start-up rescan) is not queued again
            await().atMost(Duration.ofSeconds(30)).until(() -> sealer.stats().manifests() == 5);
            assertThat(sealer.stats().signatures()).isEqualTo(1);
            assertThat(sealer.queuedBytes()).isZero();
        }
        ManifestVerifier verifier = new ManifestVerifier(List.of(key.verifyingKey()), 0);
        try (SealStore reopened = SealStore.open(dir.resolve("seals"), true)) {
            for (ManifestBody b : bodies) {
                BatchSeal seal = reopened.seal(b.digest()).orElseThrow();
                assertThat(seal.batchSize()).isEqualTo(5);
                SignedManifest sealed = SignedManifest.of(b, seal);
                assertThat(verifier.verify(sealed).merkleRoot()).isEqualTo(b.manifest().merkleRoot());
                assertThat(sealed.bodyDigest()).isEqualTo(b.digest());
            }
            assertThat(reopened.seal(Hash256.of(new byte[32]))).isEmpty();
        }
    }

    @Test
    void aFullQueueMakesSubmittersWaitUntilABatchIsSealed() throws Exception {
        ManifestBody a = body(1);
        ManifestBody b = body(2);
        ManifestBody c = body(3);
        long bound = a.length() * 2L + a.length() / 2; // room for two bodies, not three
        try (SealStore store = SealStore.open(dir.resolve("seals"), true);
                ManifestSealer sealer = new ManifestSealer(new BatchSigner(key), store, Duration.ofHours(1), 4096, bound)) {
            sealer.submit(a);
            sealer.submit(b);
            CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
                try {
                    sealer.submit(c);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // the third waits (back-pressure) and the queue stays within its bound
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> !third.isDone() && sealer.queuedBytes() <= bound && sealer.stats().waiting() == 2);
            sealer.sealNow();
            third.get();
            sealer.sealNow();
            await().atMost(Duration.ofSeconds(30)).until(() -> sealer.stats().manifests() == 3);
            for (ManifestBody m : List.of(a, b, c)) {
                assertThat(sealer.sealOf(m.digest())).isPresent();
            }
            assertThat(sealer.queuedBytes()).isZero();
        }
    }

    @Test
    void closeLeavesQueuedBodiesUnsealedAndRefusesMore() throws Exception {
        ManifestBody a = body(7);
        try (SealStore store = SealStore.open(dir.resolve("seals"), true)) {
            ManifestSealer sealer = new ManifestSealer(new BatchSigner(key), store, Duration.ofHours(1), 4096, 1 << 20);
            sealer.submit(a);
            sealer.close();
            assertThat(sealer.sealOf(a.digest())).isEmpty(); // sealed at the next start instead
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> sealer.submit(body(8)))
                    .isInstanceOf(io.stoq.node.NodeException.class);
        }
    }
}
