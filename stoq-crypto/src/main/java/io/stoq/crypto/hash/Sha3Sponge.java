package io.stoq.crypto.hash;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The Keccak-f[1600] sponge at rate 136 bytes (FIPS 202), behind {@link Sha3} (SHA3-256, domain
 * bits 01) and {@link Shake256} (SHAKE256, the same rate, domain bits 1111).
 *
 * <p>Ours rather than BouncyCastle's {@code SHA3Digest} because SHA3 is the slowest bulk step of
 * the node (every shard's ciphertext, every upload's whole content, every verified read) and this
 * one measures 1.2-1.4x BouncyCastle's on the same JVM (about 80% of OpenSSL's assembly here; see
 * docs/crypto.md): it reads each input lane with one little-endian 8-byte load instead of
 * assembling it byte by byte, and keeps the 25 lanes in locals across all the blocks of one
 * {@code update} instead of storing them between blocks. {@code Sha3Test} checks it against
 * the FIPS 202 examples and against BouncyCastle on random inputs fed in random slices.
 *
 * <p>Lane (x, y) is {@code a<x><y>}, at state index x + 5y. Not thread-safe.
 */
final class Sha3Sponge {
    static final int RATE = 136;
    private static final VarHandle LANE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long[] RC = roundConstants();
    /** Absorbing it runs Keccak-f on the state unchanged, as squeezing needs between output blocks. */
    private static final byte[] ZERO_BLOCK = new byte[RATE];

    private final long[] state = new long[25];
    private final byte[] queue = new byte[RATE];
    private int queued;

    void update(byte b) {
        queue[queued++] = b;
        if (queued == RATE) {
            absorb(queue, 0, 1);
            queued = 0;
        }
    }

    void update(byte[] in, int offset, int length) {
        if (queued > 0) {
            int n = Math.min(length, RATE - queued);
            System.arraycopy(in, offset, queue, queued, n);
            queued += n;
            offset += n;
            length -= n;
            if (queued < RATE) {
                return;
            }
            absorb(queue, 0, 1);
            queued = 0;
        }
        int blocks = length / RATE;
        if (blocks > 0) {
            absorb(in, offset, blocks);
            offset += blocks * RATE;
            length -= blocks * RATE;
        }
        System.arraycopy(in, offset, queue, 0, length);
        queued = length;
    }

    /** Pads, writes the 32-byte digest into {@code out} at {@code offset} and resets for reuse. */
    void finish(byte[] out, int offset) {
        pad(0x06); // SHA3's domain bits 01, then the first bit of pad10*1
        for (int i = 0; i < Hash256.LENGTH / 8; i++) {
            LANE.set(out, offset + 8 * i, state[i]);
        }
        reset();
    }

    /**
     * Pads as SHAKE256 does, squeezes {@code length} bytes into {@code out} at {@code offset} and
     * resets for reuse: a whole number of lanes, which is all {@link Shake256} asks for.
     */
    void finishXof(byte[] out, int offset, int length) {
        if (length % 8 != 0) {
            throw new IllegalArgumentException("output of " + length + " bytes is not a whole number of 8-byte lanes");
        }
        pad(0x1F); // SHAKE's domain bits 1111, then the first bit of pad10*1
        for (int done = 0; ; ) {
            int n = Math.min(RATE, length - done);
            for (int i = 0; i < n / 8; i++) {
                LANE.set(out, offset + done + 8 * i, state[i]);
            }
            done += n;
            if (done == length) {
                break;
            }
            absorb(ZERO_BLOCK, 0, 1); // Keccak-f on the state as it is: the next RATE bytes of output
        }
        reset();
    }

    /** Absorbs the queued tail with {@code domain}'s bits and pad10*1 (FIPS 202, 6.1 and 6.2). */
    private void pad(int domain) {
        Arrays.fill(queue, queued, RATE, (byte) 0);
        queue[queued] ^= (byte) domain;
        queue[RATE - 1] ^= (byte) 0x80; // the last bit of pad10*1
        absorb(queue, 0, 1);
    }

    private void reset() {
        Arrays.fill(state, 0);
        queued = 0;
    }

    /** XORs {@code blocks} whole blocks of {@code in} into the state, each followed by Keccak-f[1600]. */
    private void absorb(byte[] in, int offset, int blocks) {
        long a00 = state[0];
        long a10 = state[1];
        long a20 = state[2];
        long a30 = state[3];
        long a40 = state[4];
        long a01 = state[5];
        long a11 = state[6];
        long a21 = state[7];
        long a31 = state[8];
        long a41 = state[9];
        long a02 = state[10];
        long a12 = state[11];
        long a22 = state[12];
        long a32 = state[13];
        long a42 = state[14];
        long a03 = state[15];
        long a13 = state[16];
        long a23 = state[17];
        long a33 = state[18];
        long a43 = state[19];
        long a04 = state[20];
        long a14 = state[21];
        long a24 = state[22];
        long a34 = state[23];
        long a44 = state[24];
        for (int p = offset, end = offset + blocks * RATE; p < end; p += RATE) {
            a00 ^= (long) LANE.get(in, p + 0);
            a10 ^= (long) LANE.get(in, p + 8);
            a20 ^= (long) LANE.get(in, p + 16);
            a30 ^= (long) LANE.get(in, p + 24);
            a40 ^= (long) LANE.get(in, p + 32);
            a01 ^= (long) LANE.get(in, p + 40);
            a11 ^= (long) LANE.get(in, p + 48);
            a21 ^= (long) LANE.get(in, p + 56);
            a31 ^= (long) LANE.get(in, p + 64);
            a41 ^= (long) LANE.get(in, p + 72);
            a02 ^= (long) LANE.get(in, p + 80);
            a12 ^= (long) LANE.get(in, p + 88);
            a22 ^= (long) LANE.get(in, p + 96);
            a32 ^= (long) LANE.get(in, p + 104);
            a42 ^= (long) LANE.get(in, p + 112);
            a03 ^= (long) LANE.get(in, p + 120);
            a13 ^= (long) LANE.get(in, p + 128);
            for (int round = 0; round < 24; round++) {
                // theta: C[x] = A[x][0] ^ ... ^ A[x][4]
                long c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
                long c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
                long c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
                long c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
                long c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
                // D[x] = C[x - 1] ^ ROT(C[x + 1], 1)
                long d0 = c4 ^ Long.rotateLeft(c1, 1);
                long d1 = c0 ^ Long.rotateLeft(c2, 1);
                long d2 = c1 ^ Long.rotateLeft(c3, 1);
                long d3 = c2 ^ Long.rotateLeft(c4, 1);
                long d4 = c3 ^ Long.rotateLeft(c0, 1);
                // rho and pi: B[y][2x + 3y] = ROT(A[x][y] ^ D[x], r[x][y])
                long b00 = a00 ^ d0;
                long b13 = Long.rotateLeft(a01 ^ d0, 36);
                long b21 = Long.rotateLeft(a02 ^ d0, 3);
                long b34 = Long.rotateLeft(a03 ^ d0, 41);
                long b42 = Long.rotateLeft(a04 ^ d0, 18);
                long b02 = Long.rotateLeft(a10 ^ d1, 1);
                long b10 = Long.rotateLeft(a11 ^ d1, 44);
                long b23 = Long.rotateLeft(a12 ^ d1, 10);
                long b31 = Long.rotateLeft(a13 ^ d1, 45);
                long b44 = Long.rotateLeft(a14 ^ d1, 2);
                long b04 = Long.rotateLeft(a20 ^ d2, 62);
                long b12 = Long.rotateLeft(a21 ^ d2, 6);
                long b20 = Long.rotateLeft(a22 ^ d2, 43);
                long b33 = Long.rotateLeft(a23 ^ d2, 15);
                long b41 = Long.rotateLeft(a24 ^ d2, 61);
                long b01 = Long.rotateLeft(a30 ^ d3, 28);
                long b14 = Long.rotateLeft(a31 ^ d3, 55);
                long b22 = Long.rotateLeft(a32 ^ d3, 25);
                long b30 = Long.rotateLeft(a33 ^ d3, 21);
                long b43 = Long.rotateLeft(a34 ^ d3, 56);
                long b03 = Long.rotateLeft(a40 ^ d4, 27);
                long b11 = Long.rotateLeft(a41 ^ d4, 20);
                long b24 = Long.rotateLeft(a42 ^ d4, 39);
                long b32 = Long.rotateLeft(a43 ^ d4, 8);
                long b40 = Long.rotateLeft(a44 ^ d4, 14);
                // chi
                a00 = b00 ^ (~b10 & b20);
                a01 = b01 ^ (~b11 & b21);
                a02 = b02 ^ (~b12 & b22);
                a03 = b03 ^ (~b13 & b23);
                a04 = b04 ^ (~b14 & b24);
                a10 = b10 ^ (~b20 & b30);
                a11 = b11 ^ (~b21 & b31);
                a12 = b12 ^ (~b22 & b32);
                a13 = b13 ^ (~b23 & b33);
                a14 = b14 ^ (~b24 & b34);
                a20 = b20 ^ (~b30 & b40);
                a21 = b21 ^ (~b31 & b41);
                a22 = b22 ^ (~b32 & b42);
                a23 = b23 ^ (~b33 & b43);
                a24 = b24 ^ (~b34 & b44);
                a30 = b30 ^ (~b40 & b00);
                a31 = b31 ^ (~b41 & b01);
                a32 = b32 ^ (~b42 & b02);
                a33 = b33 ^ (~b43 & b03);
                a34 = b34 ^ (~b44 & b04);
                a40 = b40 ^ (~b00 & b10);
                a41 = b41 ^ (~b01 & b11);
                a42 = b42 ^ (~b02 & b12);
                a43 = b43 ^ (~b03 & b13);
                a44 = b44 ^ (~b04 & b14);
                // iota
                a00 ^= RC[round];

            }
        }
        state[0] = a00;
        state[1] = a10;
        state[2] = a20;
        state[3] = a30;
        state[4] = a40;
        state[5] = a01;
        state[6] = a11;
        state[7] = a21;
        state[8] = a31;
        state[9] = a41;
        state[10] = a02;
        state[11] = a12;
        state[12] = a22;
        state[13] = a32;
        state[14] = a42;
        state[15] = a03;
        state[16] = a13;
        state[17] = a23;
        state[18] = a33;
        state[19] = a43;
        state[20] = a04;
        state[21] = a14;
        state[22] = a24;
        state[23] = a34;
        state[24] = a44;
    }

    /** FIPS 202 algorithms 5 and 6: bit 2^j - 1 of round i's constant is rc(j + 7i), from the LFSR x^8 + x^6 + x^5 + x^4 + 1. */
    private static long[] roundConstants() {
        long[] rc = new long[24];
        int r = 1;
        for (int i = 0; i < 24; i++) {
            for (int j = 0; j < 7; j++) {
                if ((r & 1) != 0) {
                    rc[i] |= 1L << ((1 << j) - 1);
                }
                r = (r & 0x80) != 0 ? (r << 1) ^ 0x171 : r << 1;
            }
        }
        return rc;
    }
}
