package io.stoq.crypto.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.digests.SHA3Digest;
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
            SHA3Digest reference = new SHA3Digest(256);
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

    /** Every length around the 136-byte rate, fed whole, byte by byte and in two parts, against BouncyCastle. */
    @Test
    void everyLengthAroundTheRateMatchesBouncyCastle() {
        Random random = new Random(3);
        for (int length = 0; length <= 3 * Sha3Sponge.RATE + 1; length++) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            byte[] expected = bouncyCastle(data);
            assertThat(Sha3.hash(data).toBytes()).as("length %d", length).isEqualTo(expected);
            Sha3 bytewise = new Sha3();
            for (byte b : data) {
                bytewise.update(b);
            }
            assertThat(bytewise.digest().toBytes()).as("length %d byte by byte", length).isEqualTo(expected);
            int cut = length / 3;
            assertThat(new Sha3().update(data, 0, cut).update(data, cut, length - cut).digest().toBytes())
                    .as("length %d cut at %d", length, cut).isEqualTo(expected);
        }
    }

    /** Any input fed in any slices gives BouncyCastle's digest, and the instance is reusable after {@code digest()}. */
    @Property(tries = 300)
    void anySlicingMatchesBouncyCastle(@ForAll @Size(max = 5000) byte[] data, @ForAll @IntRange(min = 1, max = 700) int maxSlice,
            @ForAll long seed) {
        Random random = new Random(seed);
        Sha3 sha3 = new Sha3();
        for (int round = 0; round < 2; round++) {
            for (int pos = 0; pos < data.length; ) {
                int n = Math.min(data.length - pos, 1 + random.nextInt(maxSlice));
                sha3.update(data, pos, n);
                pos += n;
            }
            assertThat(sha3.digest().toBytes()).isEqualTo(bouncyCastle(data));
        }
    }

    private static byte[] bouncyCastle(byte[] data) {
        SHA3Digest reference = new SHA3Digest(256);
        reference.update(data, 0, data.length);
        byte[] out = new byte[32];
        reference.doFinal(out, 0);
        return out;
    }
}
