package io.stoq.crypto.kdf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.Hex;
import org.junit.jupiter.api.Test;

class HkdfTest {
    // RFC 5869 appendix A.1, A.2 and A.3 (HKDF-SHA-256).
    @Test
    void rfc5869Case1() {
        byte[] okm = Hkdf.SHA_256.derive(Hex.decode("0b".repeat(22)), Hex.decode("000102030405060708090a0b0c"),
                Hex.decode("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertThat(Hex.encode(okm)).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void rfc5869Case2() {
        StringBuilder ikm = new StringBuilder();
        StringBuilder salt = new StringBuilder();
        StringBuilder info = new StringBuilder();
        for (int i = 0; i < 0x50; i++) {
            ikm.append(String.format("%02x", i));
            salt.append(String.format("%02x", 0x60 + i));
            info.append(String.format("%02x", 0xb0 + i));
        }
        byte[] okm = Hkdf.SHA_256.derive(Hex.decode(ikm), Hex.decode(salt), Hex.decode(info), 82);
        assertThat(Hex.encode(okm)).isEqualTo(
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                        + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                        + "cc30c58179ec3e87c14c01d5c1f3434f1d87");
    }

    @Test
    void rfc5869Case3EmptySaltAndInfo() {
        byte[] okm = Hkdf.SHA_256.derive(Hex.decode("0b".repeat(22)), new byte[0], new byte[0], 42);
        assertThat(Hex.encode(okm)).isEqualTo(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    @Test
    void sha3VariantSeparatesByInfo() {
        byte[] ikm = new byte[32];
        byte[] a = Hkdf.SHA3_256.derive(ikm, null, new byte[] {0}, 32);
        byte[] b = Hkdf.SHA3_256.derive(ikm, null, new byte[] {1}, 32);
        assertThat(a).hasSize(32).isNotEqualTo(b);
        assertThat(Hkdf.SHA3_256.derive(ikm, null, new byte[] {0}, 32)).isEqualTo(a);
        assertThatThrownBy(() -> Hkdf.SHA3_256.derive(ikm, null, null, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
