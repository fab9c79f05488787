package io.stoq.crypto.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha3Test {
    // FIPS 202 / NIST CSRC example values for SHA3-256.
    @Test
    void knownAnswers() {
        assertThat(Sha3.hash(new byte[0]).toHex())
                .isEqualTo("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
        assertThat(Sha3.hash("abc".getBytes(StandardCharsets.US_ASCII)).toHex())
                .isEqualTo("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
        assertThat(Sha3.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII)).toHex())
                .isEqualTo("41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376");
    }

    @Test
    void millionAs() {
        Sha3 sha3 = new Sha3();
        byte[] block = new byte[1000];
        java.util.Arrays.fill(block, (byte) 'a');
        for (int i = 0; i < 1000; i++) {
            sha3.update(block);
        }
        assertThat(sha3.digest().toHex()).isEqualTo("5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1");
    }

    @Test
    void streamingEqualsOneShot() throws Exception {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Hash256 oneShot = Sha3.hash(data);
        assertThat(Sha3.hash(new ByteArrayInputStream(data))).isEqualTo(oneShot);
        assertThat(new Sha3().update(ByteBuffer.wrap(data)).digest()).isEqualTo(oneShot);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
        assertThat(new Sha3().update(direct).digest()).isEqualTo(oneShot);
        assertThat(Sha3.hash(java.util.Arrays.copyOf(data, 1000), java.util.Arrays.copyOfRange(data, 1000, data.length)))
                .isEqualTo(oneShot);
    }

    /** Slicing large updates must not change the digest: compare with BouncyCastle fed in one call. */
    @Test
    void slicedFeedEqualsOneCallDigest() {
        byte[] data = new byte[3 * Sha3.FEED + 12_345];
        new Random(11).nextBytes(data);
        for (int[] range : new int[][] {{0, data.length}, {7, data.length - 7}, {Sha3.FEED - 1, 2 * Sha3.FEED + 2}, {5, Sha3.FEED}}) {
            org.bouncycastle.crypto.digests.SHA3Digest reference = new org.bouncycastle.crypto.digests.SHA3Digest(256);
            reference.update(data, range[0], range[1]);
            byte[] expected = new byte[32];
            reference.doFinal(expected, 0);
            assertThat(new Sha3().update(data, range[0], range[1]).digest().toBytes()).isEqualTo(expected);
            assertThat(new Sha3().update(ByteBuffer.wrap(data, range[0], range[1]).slice()).digest().toBytes()).isEqualTo(expected);
        }
        Hash256 h = Sha3.hash(data);
        assertThat(new Sha3().update(h).digest()).isEqualTo(Sha3.hash(h.toBytes()));
    }

    @Test
    void hashValueParsesAndRejectsWrongLengths() {
        Hash256 h = Sha3.hash(new byte[] {1});
        assertThat(Hash256.ofHex(h.toHex())).isEqualTo(h);
        assertThatThrownBy(() -> Hash256.of(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hash256.ofHex("abcd")).isInstanceOf(IllegalArgumentException.class);
    }
}
