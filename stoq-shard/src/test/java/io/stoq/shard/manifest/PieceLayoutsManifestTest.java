package io.stoq.shard.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.shard.Fixtures;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Schema 3: a manifest of an erasure-coded version carries each shard's piece size and piece
 * hashes, round-trips as a stored body and as a sealed manifest, and every byte of it is covered
 * (a changed piece hash is refused by the ledger hash before the seal and by the seal after it,
 * a cut anywhere is malformed, a piece size that does not fit the shard is refused by name).
 */
@Timeout(120)
class PieceLayoutsManifestTest {
    static SigningKey key;

    @BeforeAll
    static void key() throws Exception {
        key = Fixtures.signer();
    }

    static AssetManifest withPieces(AssetManifest m, int k, int mm) {
        List<PieceLayouts.Shard> shards = new ArrayList<>();
        for (int s = 0; s < m.shards().size(); s++) {
            List<Hash256> hashes = new ArrayList<>();
            for (int i = 0; i < k + mm; i++) {
                hashes.add(Sha3.hash(new byte[] {(byte) s, (byte) i, 7}));
            }
            shards.add(new PieceLayouts.Shard(PieceLayouts.pieceSize(m.shards().get(s).storedLength(), k), hashes));
        }
        return m.withPieces(new PieceLayouts(k, mm, shards));
    }

    @Test
    void aBodyWithPiecesIsSchemaThreeAndRoundTripsStoredAndSealed() throws Exception {
        AssetManifest m = withPieces(BatchSealTest.manifests(3, 5).get(2), 4, 2);
        ManifestBody body = ManifestBody.of(m);
        assertThat(body.bytes()[5]).isEqualTo((byte) ManifestCodec.SCHEMA_PIECES);
        ManifestBody read = ManifestBody.verify(body.bytes(), body.digest());
        assertThat(read.manifest()).isEqualTo(m);
        assertThat(read.manifest().pieces().shards().get(1).pieceHashes()).hasSize(6);
        // 1028 stored bytes (1000 + AES-GCM overhead) over 4 data pieces: 257 each
        assertThat(read.manifest().pieces().shards().get(0).pieceSize()).isEqualTo(257);

        SignedManifest sealed = new BatchSigner(key).sealBodies(List.of(body)).get(0);
        SignedManifest parsed = SignedManifest.decode(sealed.encoded());
        assertThat(parsed.schema()).isEqualTo(ManifestCodec.SCHEMA_PIECES);
        assertThat(new ManifestVerifier(List.of(key.verifyingKey()), 0).verify(parsed)).isEqualTo(m);
        assertThat(parsed.bodyDigest()).isEqualTo(body.digest());
    }

    @Test
    void aManifestWithoutPiecesIsStillSchemaTwo() throws Exception {
        ManifestBody body = ManifestBody.of(BatchSealTest.manifests(1, 6).get(0));
        assertThat(body.bytes()[5]).isEqualTo((byte) ManifestCodec.SCHEMA_VERSION);
        assertThat(ManifestBody.decode(body.bytes()).manifest().pieces()).isNull();
    }

    @Test
    void everyChangedByteIsRefusedAndEveryCutIsMalformed() throws Exception {
        ManifestBody body = ManifestBody.of(withPieces(BatchSealTest.manifests(2, 8).get(1), 2, 1));
        byte[] bytes = body.bytes();
        for (int i = 0; i < bytes.length; i++) {
            byte[] bad = bytes.clone();
            bad[i] ^= 0x01;
            assertThatThrownBy(() -> ManifestBody.verify(bad, body.digest())).as("byte %d", i)
                    .isInstanceOfSatisfying(ShardException.class,
                            e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID));
        }
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] shortened = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> ManifestBody.decode(shortened)).as("cut at %d", cut)
                    .isInstanceOfSatisfying(ShardException.class,
                            e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MALFORMED_MANIFEST));
        }
        // the same layout bytes under a genuine seal: a changed piece hash breaks the seal
        SignedManifest sealed = new BatchSigner(key).sealBodies(List.of(body)).get(0);
        byte[] enc = sealed.encoded();
        enc[body.length() - 1] ^= 0x01; // last byte of the last piece hash
        SignedManifest tampered = SignedManifest.decode(enc);
        assertThatThrownBy(() -> new ManifestVerifier(List.of(key.verifyingKey()), 0).verify(tampered))
                .isInstanceOfSatisfying(ShardException.class,
                        e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID));
    }

    @Test
    void aPieceSizeThatDoesNotFitTheShardIsRefusedByName() throws Exception {
        AssetManifest m = withPieces(BatchSealTest.manifests(1, 9).get(0), 4, 2);
        byte[] bytes = ManifestBody.of(m).bytes();
        // the first piece size follows u8 k, u8 m right after the keys: find it by its value
        int at = -1;
        byte[] size = java.nio.ByteBuffer.allocate(4).putInt(257).array();
        for (int i = bytes.length - 6 * 32 - 4; i >= 0; i--) {
            if (Arrays.equals(Arrays.copyOfRange(bytes, i, i + 4), size)) {
                at = i;
                break;
            }
        }
        assertThat(at).isPositive();
        bytes[at + 3] = (byte) 255;
        assertThatThrownBy(() -> ManifestBody.decode(bytes)).isInstanceOfSatisfying(ShardException.class, e -> {
            assertThat(e.code()).isEqualTo(ShardErrorCode.MALFORMED_MANIFEST);
            assertThat(e.getMessage()).contains("pieces[0].pieceSize");
        });
        assertThatThrownBy(() -> m.withPieces(new PieceLayouts(4, 2, List.of(new PieceLayouts.Shard(300,
                m.pieces().shards().get(0).pieceHashes()))))).isInstanceOf(IllegalArgumentException.class);
    }
}
