package io.stoq.shard.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.shard.Fixtures;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The batcher turns concurrent manifests into few signatures, and every manifest still verifies. */
@Timeout(120)
class ManifestBatcherTest {
    /** Signs {@code manifests} from one thread each, all released at once; returns them in order. */
    static List<SignedManifest> signConcurrently(ManifestSigner signer, List<AssetManifest> manifests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(manifests.size());
        try {
            CyclicBarrier start = new CyclicBarrier(manifests.size());
            List<Future<SignedManifest>> futures = new ArrayList<>();
            for (AssetManifest m : manifests) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return signer.sign(m);
                }));
            }
            List<SignedManifest> out = new ArrayList<>();
            for (Future<SignedManifest> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static Set<Hash256> distinctSignatures(List<SignedManifest> signed) {
        Set<Hash256> out = new HashSet<>();
        for (SignedManifest s : signed) {
            out.add(Sha3.hash(s.signature().signature()));
        }
        return out;
    }

    @Test
    void thirtyTwoConcurrentManifestsShareFewSignaturesAndAllVerify() throws Exception {
        List<AssetManifest> manifests = BatchSealTest.manifests(32, 7);
        List<SignedManifest> signed;
        ManifestBatcher.Stats stats;
        try (ManifestBatcher batcher = new ManifestBatcher(Fixtures.signer(), Duration.ofMillis(50), 256, 1)) {
            signed = signConcurrently(batcher, manifests);
            stats = batcher.stats();
        }
        Set<Hash256> signatures = distinctSignatures(signed);
        assertThat(signatures.size()).as("signatures for 32 manifests").isBetween(1, 8);
        assertThat(stats.signatures()).isEqualTo(signatures.size());
        assertThat(stats.manifests()).isEqualTo(32);
        ManifestVerifier verifier = new ManifestVerifier(List.of(Fixtures.signer().verifyingKey()), 16);
        for (int i = 0; i < 32; i++) {
            SignedManifest decoded = SignedManifest.decode(signed.get(i).encoded());
            assertThat(verifier.verify(decoded)).isEqualTo(manifests.get(i));
        }
        int sealed = 0;
        for (Hash256 sig : signatures) {
            List<BatchSeal> seals = signed.stream().map(s -> (BatchSeal) s.signature())
                    .filter(s -> Sha3.hash(s.signature()).equals(sig)).toList();
            assertThat(seals).allSatisfy(s -> assertThat(s.batchSize()).isEqualTo(seals.size()));
            assertThat(seals.stream().map(BatchSeal::leafIndex).distinct()).hasSize(seals.size());
            sealed += seals.size();
        }
        assertThat(sealed).isEqualTo(32);
    }

    @Test
    void maxBatchCapsEveryBatch() throws Exception {
        List<SignedManifest> signed;
        try (ManifestBatcher batcher = new ManifestBatcher(Fixtures.signer(), Duration.ofMillis(50), 4, 2)) {
            signed = signConcurrently(batcher, BatchSealTest.manifests(16, 8));
            assertThat(batcher.stats().largestBatch()).isLessThanOrEqualTo(4);
        }
        assertThat(signed).allSatisfy(s -> assertThat(((BatchSeal) s.signature()).batchSize()).isBetween(1, 4));
        assertThat(distinctSignatures(signed).size()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void aLoneManifestIsSignedWhenTheWindowEnds() throws Exception {
        try (ManifestBatcher batcher = new ManifestBatcher(Fixtures.signer(), Duration.ofMillis(5), 256, 1)) {
            SignedManifest one = batcher.sign(BatchSealTest.manifests(1, 9).get(0));
            assertThat(((BatchSeal) one.signature()).batchSize()).isEqualTo(1);
            one.verify(batcher.key());
            SignedManifest next = batcher.sign(BatchSealTest.manifests(2, 10).get(1));
            next.verify(Fixtures.signer().verifyingKey());
            assertThat(batcher.stats().signatures()).isEqualTo(2);
        }
    }

    @Test
    void closeSignsWhatIsQueuedAndThenRefuses() throws Exception {
        ManifestBatcher batcher = new ManifestBatcher(Fixtures.signer(), Duration.ofSeconds(30), 256, 1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<SignedManifest>> waiting = new ArrayList<>();
            for (AssetManifest m : BatchSealTest.manifests(3, 11)) {
                waiting.add(pool.submit(() -> batcher.sign(m)));
            }
            // The 30 s window would hold them; close must sign them now rather than strand them.
            org.awaitility.Awaitility.await().until(() -> batcher.stats().waiting() == 3);
            batcher.close();
            for (Future<SignedManifest> f : waiting) {
                f.get().verify(Fixtures.signer().verifyingKey());
            }
            assertThat(batcher.stats().manifests()).isEqualTo(3);
            assertThatThrownBy(() -> batcher.sign(BatchSealTest.manifests(1, 12).get(0)))
                    .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(ShardErrorCode.INVALID_ARGUMENT))
                    .hasMessageContaining("closed");
        } finally {
            pool.shutdownNow();
        }
    }
}
