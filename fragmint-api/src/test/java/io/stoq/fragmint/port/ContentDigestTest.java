package io.stoq.fragmint.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Sha256;
import io.stoq.crypto.hash.Sha3;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ContentDigestTest {
    private static final byte[] ABC = "abc".getBytes(StandardCharsets.US_ASCII);

    @Test
    void sha256HasAReprDigestAndItsOwnHeader() {
        ContentDigest d = ContentDigest.of(Sha256.hash(ABC).toHex(), null);
        assertThat(d.algorithm()).isEqualTo(ContentDigest.SHA256);
        assertThat(d.headerName()).isEqualTo("X-Stoq-Sha256");
        // base64 of FIPS 180-4's SHA-256("abc"), ba7816bf...15ad
        assertThat(d.reprDigest()).isEqualTo("sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:");
    }

    @Test
    void sha3OfOlderVersionsHasNoReprDigest() {
        ContentDigest d = ContentDigest.of(null, Sha3.hash(ABC).toHex());
        assertThat(d.algorithm()).isEqualTo(ContentDigest.SHA3);
        assertThat(d.headerName()).isEqualTo("X-Stoq-Sha3");
        assertThat(d.reprDigest()).isNull();
    }

    @Test
    void exactlyOneWellFormedDigest() {
        String hex = Sha256.hash(ABC).toHex();
        assertThatThrownBy(() -> ContentDigest.of(hex, hex)).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> ContentDigest.of(null, null)).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> ContentDigest.of(hex.substring(2), null)).hasMessageContaining("64 lowercase hex");
        assertThatThrownBy(() -> ContentDigest.of(hex.toUpperCase(), null)).hasMessageContaining("64 lowercase hex");
        assertThatThrownBy(() -> ContentDigest.of("g" + hex.substring(1), null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContentDigest("md5", hex)).hasMessageContaining("unknown");
    }

    @Test
    void metadataRefusesAVersionWithoutExactlyOneDigest() {
        Instant now = Instant.now();
        String hex = Sha256.hash(ABC).toHex();
        assertThat(new AssetMetadata("a", 1, 3, hex, null, hex, "o", "t", null, now, now).digest().hex()).isEqualTo(hex);
        assertThatThrownBy(() -> new AssetMetadata("a", 1, 3, null, null, hex, "o", "t", null, now, now))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
