package io.stoq.shard.assemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.shard.AssetEncoder;
import io.stoq.shard.AssetId;
import io.stoq.shard.Fixtures;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.SignedManifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk layout: shards by hash, proofs by index, manifest last. */
class ShardDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void writesReadsAndNamesDamagedProofsAndMissingShards() throws Exception {
        byte[] data = CorpusGenerator.bytes(CorpusKind.MIXED, 1_500_000, 31);
        ShardDirectory dir = ShardDirectory.create(tmp.resolve("asset"));
        SignedManifest signed;
        try (ShardEncoder encoder = new ShardEncoder(2)) {
            signed = new AssetEncoder(encoder, Fixtures.signer(), List.of(Fixtures.kem().getPublic())).encode(
                    new ByteArrayInputStream(data),
                    new AssetEncoder.Request(AssetId.random(), 1, OptionalLong.of(data.length), RedundancyPolicy.DEFAULT, null), dir);
        }
        dir.finish(signed);
        assertThatThrownBy(() -> ShardDirectory.create(dir.dir())).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.INVALID_ARGUMENT));

        AssetManifest m = dir.readManifest().verify(Fixtures.signer().verifyingKey());
        assertThat(m.shards()).hasSizeGreaterThan(3);
        byte[] key = AssetKeys.unwrap(m, Fixtures.kem().getPrivate(), Fixtures.kem().getPublic());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new AssetReader(m, key, dir).readAll(out);
        assertThat(out.toByteArray()).isEqualTo(data);

        Path proof = dir.proofPath(2);
        byte[] good = Files.readAllBytes(proof);
        byte[] bad = good.clone();
        bad[bad.length - 1] ^= 1;
        Files.write(proof, bad);
        assertThatThrownBy(() -> new AssetReader(m, key, dir).readAll(new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ShardException.class, e -> {
                    assertThat(e.code()).isEqualTo(ShardErrorCode.PROOF_INVALID);
                    assertThat(e.getMessage()).contains("shard 2");
                });
        Files.write(proof, java.util.Arrays.copyOf(good, 7));
        assertThatThrownBy(() -> new AssetReader(m, key, dir).readAll(new ByteArrayOutputStream()))
                .hasMessageStartingWith("shard 2: malformed inclusion proof");
        Files.write(proof, good);

        Files.delete(dir.shardPath(m.shards().get(1).hash().toHex()));
        assertThatThrownBy(() -> new AssetReader(m, key, dir).readAll(new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(ShardErrorCode.SHARD_MISSING));

        assertThatThrownBy(() -> new ShardDirectory(tmp.resolve("nothing")).readManifest())
                .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MALFORMED_MANIFEST));
    }
}
