package io.stoq.shard.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.shard.AssetId;
import io.stoq.shard.Fixtures;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.BoundaryRule;
import io.stoq.shard.analyze.ContentFormat;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.codec.Compression;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.merkle.ShardMerkle;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Schema-2 manifests: one SLH-DSA signature per batch, each manifest with its inclusion proof.
 * Every way of moving a seal, a proof or a signature to where it does not belong is refused.
 */
class BatchSealTest {
    static SigningKey key;
    static List<SignedManifest> batch;
    static List<SignedManifest> otherBatch;

    @BeforeAll
    static void sign() throws Exception {
        key = Fixtures.signer();
        batch = new BatchSigner(key).signAll(manifests(5, 100));
        otherBatch = new BatchSigner(key).signAll(manifests(3, 200));
    }

    /** {@code n} small, internally consistent manifests (fake shard hashes, no key entries). */
    static List<AssetManifest> manifests(int n, long seed) throws ShardException {
        List<AssetManifest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<ShardEntry> shards = new ArrayList<>();
            for (int s = 0; s <= i % 3; s++) {
                shards.add(new ShardEntry(1000, 1000 + AesGcm.OVERHEAD, Compression.RAW, Sha3.hash(new byte[] {(byte) seed, (byte) i, (byte) s})));
            }
            out.add(new AssetManifest(AssetId.random(), 1 + i, ContentFormat.BINARY, 1000L * shards.size(),
                    new ChunkingInfo(ChunkParams.of(4096, 16384, 65536, 1), BoundaryRule.NONE, 0), 1, shards,
                    ShardMerkle.treeOf(shards).root(), List.of()));
        }
        return out;
    }

    static ManifestVerifier verifier() throws Exception {
        return new ManifestVerifier(List.of(key.verifyingKey()), 0);
    }

    static ShardErrorCode refusal(SignedManifest m, ManifestVerifier v) {
        try {
            v.verify(m);
        } catch (ShardException e) {
            return e.code();
        }
        throw new AssertionError("verified: " + m);
    }

    /** Body of {@code body} with {@code seal}, re-encoded and parsed as a reader would get it. */
    static SignedManifest spliced(SignedManifest body, BatchSeal seal) throws ShardException {
        return SignedManifest.decode(ManifestCodec.encode(body.body(), seal));
    }

    static BatchSeal seal(SignedManifest m) {
        return (BatchSeal) m.signature();
    }

    @Test
    void everyManifestOfABatchRoundTripsAndVerifiesAndTheyShareOneSignature() throws Exception {
        ManifestVerifier v = verifier();
        for (int i = 0; i < batch.size(); i++) {
            SignedManifest decoded = SignedManifest.decode(batch.get(i).encoded());
            assertThat(v.verify(decoded)).isEqualTo(batch.get(i).manifest());
            assertThat(seal(decoded).leafIndex()).isEqualTo(i);
            assertThat(seal(decoded).batchSize()).isEqualTo(5);
            assertThat(decoded.encoded()).isEqualTo(batch.get(i).encoded());
        }
        Set<Hash256> signatures = batch.stream().map(m -> Sha3.hash(m.signature().signature())).collect(Collectors.toSet());
        assertThat(signatures).hasSize(1);
        assertThat(batch.stream().map(m -> seal(m).batchRoot()).distinct()).hasSize(1);
    }

    @Test
    void aTamperedManifestIsRefused() throws Exception {
        SignedManifest m = batch.get(2);
        AssetManifest a = m.manifest();
        // A different version number: still a well-formed manifest, no longer the leaf that was signed.
        AssetManifest changed = new AssetManifest(a.assetId(), a.version() + 1, a.format(), a.plainSize(), a.chunking(),
                a.zstdLevel(), a.shards(), a.merkleRoot(), a.keys());
        SignedManifest forged = SignedManifest.decode(ManifestCodec.encode(ManifestCodec.encodeBody(changed), seal(m)));
        assertThat(refusal(forged, verifier())).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
        assertThatThrownBy(() -> verifier().verify(forged)).hasMessageContaining("not in the signed batch");
    }

    @Test
    void aWrongProofIsRefused() throws Exception {
        SignedManifest m = batch.get(3);
        BatchSeal s = seal(m);
        List<Hash256> path = new ArrayList<>(s.proof().path());
        path.set(0, Sha3.hash(new byte[] {1}));
        BatchSeal badPath = new BatchSeal(s.algorithm(), s.signerKeyId(), new InclusionProof(3, 5, path), s.batchRoot(), s.signature());
        assertThat(refusal(spliced(m, badPath), verifier())).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
        // Another manifest's proof from the same batch: right root, wrong leaf.
        assertThat(refusal(spliced(m, seal(batch.get(1))), verifier())).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
        // The right path under another index.
        BatchSeal badIndex = new BatchSeal(s.algorithm(), s.signerKeyId(), new InclusionProof(2, 5, s.proof().path()), s.batchRoot(),
                s.signature());
        assertThat(refusal(spliced(m, badIndex), verifier())).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
    }

    @Test
    void theBatchSizeIsSignedSoAPathThatAlsoFitsASmallerTreeDoesNotHelp() throws Exception {
        // In a tree of 5 the last leaf's path is [root of leaves 0..3]; the same path proves it as
        // leaf 1 of a tree of 2 with the same root. Only the signed batch size tells them apart.
        SignedManifest last = batch.get(4);
        BatchSeal s = seal(last);
        assertThat(s.proof().path()).hasSize(1);
        InclusionProof smaller = new InclusionProof(1, 2, s.proof().path());
        assertThat(smaller.leadsTo(BatchSeal.leafOf(last.body()), s.batchRoot())).isTrue();
        BatchSeal resized = new BatchSeal(s.algorithm(), s.signerKeyId(), smaller, s.batchRoot(), s.signature());
        assertThat(refusal(spliced(last, resized), verifier())).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
        assertThatThrownBy(() -> verifier().verify(spliced(last, resized))).hasMessageContaining("signature does not verify");
    }

    @Test
    void aProofFromAnotherBatchIsRefused() throws Exception {
        // Manifest 0 of the first batch with the whole seal (proof, root, signature) of another
        // batch's manifest 0: the signature is genuine, but not over a tree holding this manifest.
        SignedManifest m = batch.get(0);
        assertThat(refusal(spliced(m, seal(otherBatch.get(0))), verifier())).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
        // This manifest's own proof and root with the other batch's signature.
        BatchSeal s = seal(m);
        BatchSeal otherSignature = new BatchSeal(s.algorithm(), s.signerKeyId(), s.proof(), s.batchRoot(),
                otherBatch.get(0).signature().signature());
        assertThat(refusal(spliced(m, otherSignature), verifier())).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
    }

    @Test
    void aSignatureByAnotherKeyIsRefused() throws Exception {
        SigningKey other = SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        List<SignedManifest> byOther = new BatchSigner(other).signAll(List.of(batch.get(0).manifest(), batch.get(1).manifest()));
        // Honestly labelled: the key id is not trusted.
        assertThatThrownBy(() -> verifier().verify(byOther.get(0))).hasMessageContaining("not a trusted key");
        // Labelled with the trusted key's id: the signature does not verify under it.
        BatchSeal s = seal(byOther.get(0));
        BatchSeal relabelled = new BatchSeal(s.algorithm(), key.verifyingKey().fingerprint(), s.proof(), s.batchRoot(), s.signature());
        assertThat(refusal(spliced(byOther.get(0), relabelled), verifier())).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
        // And a verifier that trusts only the other key refuses ours.
        assertThat(refusal(batch.get(0), new ManifestVerifier(List.of(other.verifyingKey()), 0)))
                .isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
    }

    @Test
    void theVerifiedSignatureCacheRemembersOnlyExactlyWhatVerified() throws Exception {
        ManifestVerifier cached = new ManifestVerifier(List.of(key.verifyingKey()), 4);
        for (SignedManifest m : batch) {
            cached.verify(m);
        }
        // Same batch, same root and proof, one signature byte changed: not the cached signature.
        SignedManifest m = batch.get(1);
        BatchSeal s = seal(m);
        byte[] sig = s.signature();
        sig[100] ^= 1;
        BatchSeal flipped = new BatchSeal(s.algorithm(), s.signerKeyId(), s.proof(), s.batchRoot(), sig);
        assertThat(refusal(spliced(m, flipped), cached)).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
        // A tampered body under the cached seal still fails its proof.
        AssetManifest a = m.manifest();
        AssetManifest changed = new AssetManifest(a.assetId(), a.version() + 7, a.format(), a.plainSize(), a.chunking(),
                a.zstdLevel(), a.shards(), a.merkleRoot(), a.keys());
        assertThat(refusal(SignedManifest.decode(ManifestCodec.encode(ManifestCodec.encodeBody(changed), s)), cached))
                .isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
        assertThat(cached.verify(SignedManifest.decode(m.encoded()))).isEqualTo(a);
    }

    @Test
    void onlySlhDsaKeysSignBatchesAndSealsAreBounded() throws Exception {
        SigningKey falcon = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        assertThatThrownBy(() -> new BatchSigner(falcon)).hasMessageContaining("signed with SLH-DSA, not falcon-512.v1");
        byte[] encoded = batch.get(0).encoded();
        int sealAt = batch.get(0).body().length;
        byte[] falconCode = encoded.clone();
        falconCode[sealAt] = (byte) SignatureAlgorithm.FALCON_512.code();
        assertThatThrownBy(() -> SignedManifest.decode(falconCode)).hasMessageContaining("field seal.algorithm")
                .hasMessageContaining("SLH-DSA only");
        byte[] hugeBatch = encoded.clone();
        hugeBatch[sealAt + 1 + 32 + 4] = 0x7f; // batch size's top byte
        assertThatThrownBy(() -> SignedManifest.decode(hugeBatch)).hasMessageContaining("field seal.batchSize");
        assertThatThrownBy(() -> new BatchSigner(key).signAll(List.of())).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.INVALID_ARGUMENT));
    }
}
