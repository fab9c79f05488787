package io.stoq.node.assets;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.port.ContentDigest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The version record on the ledger: SHA-256 content digests now, SHA3-256 ones as written before. */
class AssetMetaTest {
    private static final byte[] CONTENT = "content".getBytes(StandardCharsets.UTF_8);

    @Test
    void aNewRecordCarriesSha256Only() {
        AssetMeta m = AssetMeta.current(Sha3.hash(new byte[] {1}), CONTENT.length, Sha256.hash(CONTENT), "text/plain", null, null);
        String json = new String(m.encode(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"sha256\":\"" + Sha256.hash(CONTENT).toHex() + "\"").doesNotContain("sha3");
        AssetMeta back = AssetMeta.decode(m.encode());
        assertThat(back).isEqualTo(m);
        assertThat(back.digest()).isEqualTo(new ContentDigest(ContentDigest.SHA256, Sha256.hash(CONTENT).toHex()));
        assertThat(back.namesBody()).isTrue();
    }

    @Test
    void aRecordWrittenBeforeReadsWithItsSha3() {
        // byte for byte what nodes wrote before the digest moved (seal after commit, no policy)
        String sha3 = Sha3.hash(CONTENT).toHex();
        String old = "{\"manifest\":\"" + Hash256.of(new byte[32]).toHex() + "\",\"size\":7,\"sha3\":\"" + sha3
                + "\",\"contentType\":\"text/plain\",\"name\":null,\"manifestHashOf\":\"body\"}";
        AssetMeta m = AssetMeta.decode(old.getBytes(StandardCharsets.UTF_8));
        assertThat(m).isNotNull();
        assertThat(m.digest()).isEqualTo(new ContentDigest(ContentDigest.SHA3, sha3));
        assertThat(m.sha256()).isNull();
    }

    @Test
    void aRecordWithoutExactlyOneWellFormedDigestIsNotAVersion() {
        String hex = Sha256.hash(CONTENT).toHex();
        String head = "{\"manifest\":\"" + Hash256.of(new byte[32]).toHex() + "\",\"size\":7,";
        String tail = "\"contentType\":\"text/plain\",\"name\":null,\"manifestHashOf\":\"body\"}";
        assertThat(AssetMeta.decode((head + tail).getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(AssetMeta.decode((head + "\"sha256\":\"" + hex + "\",\"sha3\":\"" + hex + "\"," + tail)
                .getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(AssetMeta.decode((head + "\"sha256\":\"" + hex.substring(1) + "\"," + tail).getBytes(StandardCharsets.UTF_8)))
                .isNull();
        assertThat(AssetMeta.decode((head + "\"sha256\":\"" + hex + "\"," + tail).getBytes(StandardCharsets.UTF_8))).isNotNull();
    }
}
