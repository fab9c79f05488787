package io.stoq.shard.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.shard.Fixtures;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seal after commit, in stoq-shard's terms: a body stored alone is checked against the hash its
 * ledger tx names; sealing it later does not change that hash; the sealed form is today's
 * schema-2 manifest; any changed byte of the body is refused before the seal (by the hash) and
 * after it (by the hash and by the seal).
 */
@Timeout(120)
class ManifestBodyTest {
    static SigningKey key;

    @BeforeAll
    static void key() throws Exception {
        key = Fixtures.signer();
    }

    @Test
    void bodyDigestIsWhatTheSealedManifestKeepsAndTheSealVerifies() throws Exception {
        List<ManifestBody> bodies = new ArrayList<>();
        for (AssetManifest m : BatchSealTest.manifests(4, 7)) {
            bodies.add(ManifestBody.of(m));
        }
        List<SignedManifest> sealed = new BatchSigner(key).sealBodies(bodies);
        ManifestVerifier verifier = new ManifestVerifier(List.of(key.verifyingKey()), 0);
        for (int i = 0; i < bodies.size(); i++) {
            ManifestBody b = bodies.get(i);
            // what a node stores before the seal reads back and checks against the ledger's hash
            ManifestBody read = ManifestBody.verify(b.bytes(), b.digest());
            assertThat(read.manifest().merkleRoot()).isEqualTo(b.manifest().merkleRoot());
            // the sealed form is an ordinary schema-2 manifest of the same body
            SignedManifest parsed = SignedManifest.decode(sealed.get(i).encoded());
            assertThat(parsed.schema()).isEqualTo(2);
            assertThat(parsed.bodyDigest()).isEqualTo(b.digest());
            assertThat(verifier.verify(parsed).merkleRoot()).isEqualTo(b.manifest().merkleRoot());
            // joining the stored body with its seal gives the same bytes
            SignedManifest joined = SignedManifest.of(read, (BatchSeal) sealed.get(i).signature());
            assertThat(joined.encoded()).isEqualTo(sealed.get(i).encoded());
        }
        assertThat(((BatchSeal) sealed.get(0).signature()).batchSize()).isEqualTo(4);
    }

    @Test
    void everyChangedByteOfAStoredBodyIsRefusedAgainstTheLedgerHash() throws Exception {
        ManifestBody b = ManifestBody.of(BatchSealTest.manifests(3, 9).get(2));
        byte[] bytes = b.bytes();
        for (int i = 0; i < bytes.length; i++) {
            byte[] bad = bytes.clone();
            bad[i] ^= 0x01;
            assertThatThrownBy(() -> ManifestBody.verify(bad, b.digest())).as("byte %d", i)
                    .isInstanceOfSatisfying(ShardException.class,
                            e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID));
        }
    }

    @Test
    void aTamperedBodyUnderAGenuineSealIsRefusedByTheSeal() throws Exception {
        List<ManifestBody> bodies = List.of(ManifestBody.of(BatchSealTest.manifests(2, 11).get(0)),
                ManifestBody.of(BatchSealTest.manifests(2, 11).get(1)));
        List<SignedManifest> sealed = new BatchSigner(key).sealBodies(bodies);
        ManifestVerifier verifier = new ManifestVerifier(List.of(key.verifyingKey()), 0);
        // another body, consistent in itself, under the first body's seal
        SignedManifest swapped = SignedManifest.of(bodies.get(1), (BatchSeal) sealed.get(0).signature());
        assertThatThrownBy(() -> verifier.verify(swapped)).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID));
    }

    @Test
    void aBodyIsExactlyABody() throws Exception {
        ManifestBody b = ManifestBody.of(BatchSealTest.manifests(1, 3).get(0));
        SignedManifest sealed = new BatchSigner(key).sealBodies(List.of(b)).get(0);
        // a sealed manifest is not a body (trailing seal), a cut body is not one either
        assertThatThrownBy(() -> ManifestBody.decode(sealed.encoded())).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MALFORMED_MANIFEST));
        byte[] cut = java.util.Arrays.copyOf(b.bytes(), b.length() - 1);
        assertThatThrownBy(() -> ManifestBody.decode(cut)).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MALFORMED_MANIFEST));
        assertThatThrownBy(() -> ManifestBody.verify(b.bytes(), Hash256.of(new byte[32])))
                .isInstanceOfSatisfying(ShardException.class,
                        e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID));
    }
}
