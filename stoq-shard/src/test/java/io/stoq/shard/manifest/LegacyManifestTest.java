package io.stoq.shard.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.Fixtures;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.assemble.AssetReader;
import io.stoq.shard.assemble.FetchedShard;
import io.stoq.shard.assemble.ShardDirectory;
import java.io.ByteArrayOutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema-1 manifests written by the code before batch signing (commit 0e0cb4c) stay readable:
 * {@code src/test/resources/legacy/node-falcon} is a manifest and shard from a {@code stoq dev}
 * node (signed with the node's Falcon key), {@code legacy/cli-v1} a directory written by
 * {@code stoq shard encode} (signed with an SLH-DSA key); both encode {@code legacy/small.txt}.
 */
class LegacyManifestTest {
    @TempDir
    Path tmp;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(LegacyManifestTest.class.getResource("/legacy/" + name).toURI());
    }

    /** Private key files must be owner-only to be read; build output may not keep the mode. */
    PrivateKey privateKey(String name) throws Exception {
        Path copy = tmp.resolve(Path.of(name).getFileName());
        Files.copy(resource(name), copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        return PemFiles.readPrivateKey(copy, null);
    }

    static VerifyingKey publicKey(String name) throws Exception {
        PublicKey key = PemFiles.readPublicKey(resource(name));
        return new VerifyingKey(SignatureAlgorithm.of(key), key);
    }

    @Test
    void aFalconSignedManifestOfAnOlderNodeVerifiesWithThatNodesFalconKeyAndDecrypts() throws Exception {
        byte[] encoded = Files.readAllBytes(resource("node-falcon/manifest.stoq"));
        SignedManifest signed = SignedManifest.decode(encoded);
        assertThat(signed.schema()).isEqualTo(ManifestCodec.SCHEMA_SINGLE);
        assertThat(signed.signature()).isInstanceOf(SingleSignature.class);
        assertThat(signed.signature().algorithm()).isEqualTo(SignatureAlgorithm.FALCON_512);
        assertThat(signed.encoded()).isEqualTo(encoded);

        VerifyingKey falcon = publicKey("node-falcon/falcon.pub.pem");
        // What a node trusts after the change: its SLH-DSA key for new manifests, its Falcon key for these.
        ManifestVerifier node = new ManifestVerifier(List.of(Fixtures.signer().verifyingKey(), falcon), 8);
        AssetManifest m = node.verify(signed);
        byte[] assetKey = AssetKeys.unwrap(m, privateKey("node-falcon/kem.key.pem"), PemFiles.readPublicKey(resource("node-falcon/kem.pub.pem")));
        Path shards = resource("node-falcon/shards");
        AssetReader reader = new AssetReader(m, assetKey,
                (i, entry) -> new FetchedShard(Files.readAllBytes(shards.resolve(entry.hash().toHex())), null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        reader.readAll(out);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(resource("small.txt")));

        // Only the key that signed it makes it valid.
        assertThatThrownBy(() -> new ManifestVerifier(List.of(Fixtures.signer().verifyingKey()), 0).verify(signed))
                .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(ShardErrorCode.MANIFEST_SIGNATURE_INVALID))
                .hasMessageContaining("not a trusted key");
        // And any altered byte of the old format is still caught.
        for (int pos = 0; pos < encoded.length; pos += 7) {
            byte[] bad = encoded.clone();
            bad[pos] ^= 0x10;
            int at = pos;
            assertThatThrownBy(() -> node.verify(SignedManifest.decode(bad))).as("byte %d", at)
                    .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code())
                            .isIn(ShardErrorCode.MALFORMED_MANIFEST, ShardErrorCode.MANIFEST_SIGNATURE_INVALID));
        }
    }

    @Test
    void anOldShardEncodeDirectoryStillDecodes() throws Exception {
        ShardDirectory dir = new ShardDirectory(resource("cli-v1"));
        SignedManifest signed = dir.readManifest();
        assertThat(signed.schema()).isEqualTo(ManifestCodec.SCHEMA_SINGLE);
        assertThat(signed.signature().algorithm()).isEqualTo(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        AssetManifest m = signed.verify(publicKey("cli-v1.keys/signing.pub.pem"));
        byte[] assetKey = AssetKeys.unwrap(m, privateKey("cli-v1.keys/kem.key.pem"), PemFiles.readPublicKey(resource("cli-v1.keys/kem.pub.pem")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new AssetReader(m, assetKey, dir).readAll(out);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(resource("small.txt")));
    }

    @Test
    void schemaOneIsReadButNoLongerWritten() throws Exception {
        byte[] old = Files.readAllBytes(resource("node-falcon/manifest.stoq"));
        AssetManifest m = SignedManifest.decode(old).manifest();
        // The same manifest, as this build writes it: schema 2, no signer in the body, a batch seal.
        SignedManifest now = new BatchSigner(Fixtures.signer()).sign(m);
        assertThat(now.schema()).isEqualTo(ManifestCodec.SCHEMA_VERSION);
        assertThat(now.encoded()[5]).isEqualTo((byte) 2);
        assertThat(now.verify(Fixtures.signer().verifyingKey())).isSameAs(m);
        // signSingle writes what the old code wrote: the same body but for the signer's key bytes.
        SigningKey falconForTest = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        SignedManifest single = SignedManifest.signSingle(m, falconForTest);
        assertThat(ManifestCodec.encodeBody(SignedManifest.decode(single.encoded()).verify(falconForTest.verifyingKey())))
                .isEqualTo(ManifestCodec.encodeBody(m));
        byte[] oldBody = SignedManifest.decode(old).body();
        int spki = falconForTest.publicKey().getEncoded().length;
        assertThat(single.body()).hasSameSizeAs(oldBody);
        assertThat(Arrays.copyOf(single.body(), oldBody.length - spki)).isEqualTo(Arrays.copyOf(oldBody, oldBody.length - spki));
    }
}
