package io.stoq.shard.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.shard.Fixtures;
import io.stoq.shard.RoundTrip;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static RoundTrip sample() throws Exception {
        return RoundTrip.encode(CorpusGenerator.bytes(CorpusKind.RANDOM, 40_000, 1),
                ChunkPlan.plain(new ChunkParams(4096, 16384, 65536, 1)), 2);
    }

    @Test
    void encodingIsCanonicalAndVerifies() throws Exception {
        RoundTrip rt = sample();
        byte[] encoded = rt.signed.encoded();
        SignedManifest decoded = SignedManifest.decode(encoded);
        assertThat(decoded.schema()).isEqualTo(ManifestCodec.SCHEMA_VERSION);
        assertThat(ManifestCodec.encode(ManifestCodec.encodeBody(decoded.manifest()), decoded.signature())).isEqualTo(encoded);
        AssetManifest m = decoded.verify(Fixtures.signer().verifyingKey());
        assertThat(ManifestCodec.encodeBody(m)).isEqualTo(ManifestCodec.encodeBody(rt.signed.manifest()));
        BatchSeal seal = (BatchSeal) decoded.signature();
        assertThat(seal.algorithm()).isEqualTo(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        assertThat(seal.signerKeyId()).isEqualTo(Fixtures.signer().verifyingKey().fingerprint());
        assertThat(seal.batchSize()).isEqualTo(1);
        assertThat(seal.signature()).hasSize(17088);
        assertThat(m.keys()).hasSize(1);
    }

    @Test
    void aFlippedBitAnywhereInTheManifestIsDetected() throws Exception {
        byte[] encoded = sample().signed.encoded();
        int bodyLength = encoded.length - 17088;
        Set<ShardErrorCode> seen = EnumSet.noneOf(ShardErrorCode.class);
        // Every byte of the body (one bit each, rotating), and a spread of signature bytes.
        for (int pos = 0; pos < encoded.length; pos += pos < bodyLength + 8 ? 1 : 397) {
            byte[] bad = encoded.clone();
            bad[pos] ^= (byte) (1 << (pos % 8));
            try {
                SignedManifest.decode(bad).verify(Fixtures.signer().verifyingKey());
                throw new AssertionError("flipped bit at byte " + pos + " went unnoticed");
            } catch (ShardException e) {
                assertThat(e.code()).as("byte %d: %s", pos, e.getMessage())
                        .isIn(ShardErrorCode.MALFORMED_MANIFEST, ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
                seen.add(e.code());
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(ShardErrorCode.MALFORMED_MANIFEST, ShardErrorCode.MANIFEST_SIGNATURE_INVALID);
    }

    @Test
    void errorsNameTheField() throws Exception {
        byte[] encoded = sample().signed.encoded();
        byte[] badFormat = encoded.clone();
        badFormat[4 + 2 + 16 + 8] = 99; // the format byte
        assertThatThrownBy(() -> SignedManifest.decode(badFormat)).hasMessageContaining("field format").hasMessageContaining("unknown code 99");
        byte[] badSchema = encoded.clone();
        badSchema[5] = 4; // 3 is now the schema with piece layouts
        assertThatThrownBy(() -> SignedManifest.decode(badSchema)).hasMessageContaining("unknown manifest schema version 4");
        byte[] badHash = encoded.clone();
        int firstHash = 4 + 2 + 16 + 8 + 1 + 8 + 4 + 4 + 4 + 1 + 1 + 4 + 1 + 1 + 4 + 4 + 4 + 1;
        badHash[firstHash] ^= 1;
        assertThatThrownBy(() -> SignedManifest.decode(badHash).verify(Fixtures.signer().verifyingKey()))
                .hasMessageContaining("shard hash list does not match the merkle root");
    }

    @Test
    void truncatedOrExtendedManifestsAreClearErrors() throws Exception {
        byte[] encoded = sample().signed.encoded();
        for (int len = 0; len < encoded.length; len += len < 2000 ? 1 : 101) {
            byte[] cut = Arrays.copyOf(encoded, len);
            assertThatThrownBy(() -> SignedManifest.decode(cut)).as("length %d", len)
                    .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MALFORMED_MANIFEST))
                    .hasMessageStartingWith("malformed manifest");
        }
        byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);
        assertThatThrownBy(() -> SignedManifest.decode(longer)).hasMessageContaining("trailing bytes");
    }

    @Test
    void anUntrustedSignerIsRejected() throws Exception {
        SignedManifest signed = sample().signed;
        SigningKey other = SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        assertThatThrownBy(() -> signed.verify(other.verifyingKey())).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID)).hasMessageContaining("not a trusted key");
    }
}
