package io.stoq.crypto.ca;

import static io.stoq.crypto.ca.CaFixture.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's SLH-DSA manifest key is bound to its identity the way the TLS and ML-KEM keys are:
 * its SHA3-256 in the certificate's identity extension (version 2), checked against the key the
 * node holds. Version-1 certificates (issued before) stay readable but bind no key.
 */
class SlhDsaKeyBindingTest {
    @TempDir
    Path tmp;

    @Test
    void certificateCarriesTheSlhDsaKeyHashAndTheValidatorChecksIt() throws Exception {
        CaFixture fixture = new CaFixture(tmp.resolve("ca"), "net");
        CaFixture.Issued node = fixture.issue("node-1");
        NodeIdentity id = NodeCertificateValidator.validate(node.chain(), fixture.ca.root(), NOW.plusSeconds(60), Set.of());
        assertThat(id.slhDsaKeyHash()).contains(NodeClaims.keyHash(node.keys().slhDsa().publicKey()));
        NodeCertificateValidator.requireSlhDsaKey(id, node.keys().slhDsa().publicKey());

        SigningKey other = SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        assertThatThrownBy(() -> NodeCertificateValidator.requireSlhDsaKey(id, other.publicKey()))
                .isInstanceOf(CryptoException.class).hasMessageContaining("SLH-DSA key hash mismatch")
                .satisfies(e -> assertThat(((CryptoException) e).code()).isEqualTo(CryptoErrorCode.CERTIFICATE_REJECTED));
    }

    @Test
    void aVersionOneCertificateStaysValidButBindsNoManifestKey() throws Exception {
        CaFixture fixture = new CaFixture(tmp.resolve("ca"), "net");
        NodeKeys keys = NodeKeys.generate();
        NodeClaims old = NodeClaims.of("node-old", "zone-a", EnumSet.of(NodeRole.STORAGE), keys.tls().getPublic(), keys.kem().getPublic());
        List<X509Certificate> chain = fixture.ca.issue(NodeCsr.create(keys.falcon(), old), Duration.ofDays(30));
        NodeIdentity id = NodeCertificateValidator.validate(chain, fixture.ca.root(), NOW.plusSeconds(60), Set.of());
        assertThat(id.slhDsaKeyHash()).isEmpty();
        NodeCertificateValidator.requireTlsKey(id, keys.tls().getPublic());
        assertThatThrownBy(() -> NodeCertificateValidator.requireSlhDsaKey(id, keys.slhDsa().publicKey()))
                .hasMessageContaining("binds no SLH-DSA manifest key").hasMessageContaining("stoq node csr");
    }

    @Test
    void extensionWritesVersionOneByteForByteWithoutTheKeyAndVersionTwoWithIt() throws Exception {
        NodeKeys keys = NodeKeys.generate();
        NodeClaims without = NodeClaims.of("node-1", "z", EnumSet.of(NodeRole.VOTER), keys.tls().getPublic(), keys.kem().getPublic());
        // What certificates issued before SLH-DSA keys carry: version 1 and exactly six fields.
        ASN1EncodableVector v1 = new ASN1EncodableVector();
        v1.add(new ASN1Integer(1));
        v1.add(new DERUTF8String("node-1"));
        v1.add(new DERUTF8String("z"));
        v1.add(new DERSequence(new DERUTF8String("voter")));
        v1.add(new DEROctetString(without.tlsKeyHash().toBytes()));
        v1.add(new DEROctetString(without.kemKeyHash().toBytes()));
        byte[] legacy = new DERSequence(v1).getEncoded();
        assertThat(NodeIdentityExtension.encode(without)).isEqualTo(legacy);
        assertThat(NodeIdentityExtension.decode(legacy)).isEqualTo(without);

        NodeClaims with = NodeClaims.of("node-1", "z", EnumSet.of(NodeRole.VOTER), keys.tls().getPublic(), keys.kem().getPublic(),
                keys.slhDsa().publicKey());
        byte[] v2 = NodeIdentityExtension.encode(with);
        assertThat(v2[4]).as("version INTEGER value").isEqualTo((byte) 2);
        assertThat(NodeIdentityExtension.decode(v2)).isEqualTo(with);
        assertThat(NodeIdentityExtension.decode(v2).slhDsaKeyHash()).contains(NodeClaims.keyHash(keys.slhDsa().publicKey()));

        // A version that does not match its field count is malformed, and unknown versions are named.
        ASN1EncodableVector lying = new ASN1EncodableVector();
        lying.add(new ASN1Integer(2));
        for (int i = 1; i < 6; i++) {
            lying.add(v1.get(i));
        }
        assertThatThrownBy(() -> NodeIdentityExtension.decode(new DERSequence(lying).getEncoded()))
                .hasMessageContaining("version 2 has 7 fields, found 6");
        ASN1EncodableVector future = new ASN1EncodableVector();
        future.add(new ASN1Integer(3));
        assertThatThrownBy(() -> NodeIdentityExtension.decode(new DERSequence(future).getEncoded()))
                .hasMessageContaining("version 3 is not supported");
    }

    @Test
    void anOldKeyDirectoryIsRefusedWithTheWayOutAndCanBeCompleted() throws Exception {
        Path dir = tmp.resolve("node");
        NodeKeys.generate().write(dir, "pw".toCharArray());
        Files.delete(dir.resolve(NodeKeys.SLH_DSA_KEY));
        Files.delete(dir.resolve(NodeKeys.SLH_DSA_PUB));
        assertThatThrownBy(() -> NodeKeys.load(dir, "pw".toCharArray()))
                .isInstanceOf(CryptoException.class)
                .hasMessageContaining("has no SLH-DSA manifest key").hasMessageContaining("--add-missing")
                .satisfies(e -> assertThat(((CryptoException) e).code()).isEqualTo(CryptoErrorCode.NOT_FOUND));

        // A wrong passphrase writes nothing: the new key must end up under the same passphrase.
        assertThat(codeOf(() -> NodeKeys.addSlhDsaKey(dir, "wrong".toCharArray()))).isEqualTo(CryptoErrorCode.BAD_PASSPHRASE);
        assertThat(NodeKeys.hasSlhDsaKey(dir)).isFalse();

        SigningKey added = NodeKeys.addSlhDsaKey(dir, "pw".toCharArray());
        NodeKeys loaded = NodeKeys.load(dir, "pw".toCharArray());
        assertThat(loaded.slhDsa().publicKey().getEncoded()).isEqualTo(added.publicKey().getEncoded());
        assertThat(loaded.slhDsa().algorithm()).isEqualTo(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        assertThat(codeOf(() -> NodeKeys.addSlhDsaKey(dir, "pw".toCharArray()))).isEqualTo(CryptoErrorCode.ALREADY_EXISTS);
        assertThat(codeOf(() -> NodeKeys.load(dir, null))).isEqualTo(CryptoErrorCode.BAD_PASSPHRASE);
    }

    @Test
    void aMixedUpSlhDsaPublicKeyIsNoticed() throws Exception {
        Path dir = tmp.resolve("node");
        NodeKeys.generate().write(dir, null);
        Path other = tmp.resolve("other");
        NodeKeys.generate().write(other, null);
        Files.copy(other.resolve(NodeKeys.SLH_DSA_PUB), dir.resolve(NodeKeys.SLH_DSA_PUB), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> NodeKeys.load(dir, null)).hasMessageContaining(NodeKeys.SLH_DSA_KEY + " does not belong to");
        // A key of another suite in its place is named as such.
        Files.copy(other.resolve(NodeKeys.FALCON_PUB), dir.resolve(NodeKeys.SLH_DSA_PUB), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> NodeKeys.load(dir, null)).hasMessageContaining("is not an slh-dsa-sha2-128f.v1 key");
    }

    @Test
    void claimsWithAndWithoutTheKeyDiffer() throws Exception {
        NodeKeys keys = NodeKeys.generate();
        NodeClaims a = NodeClaims.of("n", "z", Set.of(NodeRole.STORAGE), keys.tls().getPublic(), keys.kem().getPublic());
        assertThat(a.slhDsaKeyHash()).isEqualTo(Optional.empty());
        assertThat(new NodeClaims("n", "z", Set.of(NodeRole.STORAGE), a.tlsKeyHash(), a.kemKeyHash(), null)).isEqualTo(a);
    }

    private static CryptoErrorCode codeOf(Call call) {
        try {
            call.run();
        } catch (CryptoException e) {
            return e.code();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no failure");
    }

    interface Call {
        void run() throws Exception;
    }
}
