package io.stoq.crypto.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.junit.jupiter.api.Test;

class Shake256Test {
    private static String out(Shake256 shake, int length) {
        byte[] out = new byte[length];
        shake.output(out, 0, length);
        return HexFormat.of().formatHex(out);
    }

    private static byte[] bouncyCastle(byte[] data, int length) {
        SHAKEDigest shake = new SHAKEDigest(256);
        shake.update(data, 0, data.length);
        byte[] out = new byte[length];
        shake.doFinal(out, 0, length);
        return out;
    }

    // FIPS 202 example values (NIST CSRC), as Python's hashlib.shake_256 also gives them.
    @Test
    void knownAnswers() {
        assertThat(out(new Shake256(), 32)).isEqualTo("46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
        assertThat(out(new Shake256().update("abc".getBytes(StandardCharsets.US_ASCII)), 64)).isEqualTo(
                "483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739"
                        + "d5a15bef186a5386c75744c0527e1faa9f8726e462a12a4feb06bd8801e751e4");
    }

    /** The state root's use: 2 KiB out (16 blocks squeezed) of inputs around the rate, against BouncyCastle. */
    @Test
    void twoKibOfOutputMatchesBouncyCastleForEveryLengthAroundTheRate() {
        Random random = new Random(5);
        Shake256 shake = new Shake256();
        for (int length = 0; length <= 3 * Sha3Sponge.RATE + 1; length++) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            byte[] got = new byte[2048];
            shake.update(data).output(got, 0, got.length); // the same instance throughout: output() resets it
            assertThat(got).as("input of %d bytes", length).isEqualTo(bouncyCastle(data, 2048));
        }
    }

    /** Any input in any slices, any whole-lane output length (across block edges), at an offset: BouncyCastle's bytes. */
    @Property(tries = 300)
    void anySlicingAndLengthMatchesBouncyCastle(@ForAll @Size(max = 3000) byte[] data, @ForAll @IntRange(min = 1, max = 300) int maxSlice,
            @ForAll @IntRange(min = 0, max = 80) int lanes, @ForAll long seed) {
        Random random = new Random(seed);
        Shake256 shake = new Shake256();
        for (int pos = 0; pos < data.length; ) {
            int n = Math.min(data.length - pos, 1 + random.nextInt(maxSlice));
            if (n == 1) {
                shake.update(data[pos]);
            } else {
                shake.update(data, pos, n);
            }
            pos += n;
        }
        byte[] got = new byte[3 + 8 * lanes];
        shake.output(got, 3, 8 * lanes);
        byte[] want = bouncyCastle(data, 8 * lanes);
        assertThat(java.util.Arrays.copyOfRange(got, 3, got.length)).isEqualTo(want);
        assertThat(java.util.Arrays.copyOfRange(got, 0, 3)).containsOnly(0);
    }

    @Test
    void refusesPartialLanesAndSlicesOutsideTheArrays() {
        assertThatThrownBy(() -> new Shake256().output(new byte[12], 0, 12)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("8-byte lanes");
        assertThatThrownBy(() -> new Shake256().output(new byte[16], 8, 16)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new Shake256().update(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
