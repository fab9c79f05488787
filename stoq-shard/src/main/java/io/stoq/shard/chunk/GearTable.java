package io.stoq.shard.chunk;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The FastCDC 2020 gear table, computed rather than pasted: entry {@code i} is the first 8 bytes,
 * big-endian, of MD5 over the byte {@code i} repeated 64 times (exactly how the reference
 * implementation generated its table). {@link #SHIFTED} is each entry shifted left by one bit, used
 * for the even byte of the two-bytes-per-step loop. MD5 here is a table generator, not security.
 */
final class GearTable {
    static final long[] GEAR = new long[256];
    static final long[] SHIFTED = new long[256];

    static {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] block = new byte[64];
            for (int i = 0; i < 256; i++) {
                java.util.Arrays.fill(block, (byte) i);
                long value = ByteBuffer.wrap(md5.digest(block)).getLong();
                GEAR[i] = value;
                SHIFTED[i] = value << 1;
            }
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError("MD5 is required by every JDK: " + e);
        }
    }

    /**
     * The reference's masks by number of bits, index 5..25 (index 0..4 unused). Spreading the
     * one-bits over the high half of the word is what lets the 2020 variant shift by two per step.
     */
    static final long[] MASKS = {
        0, 0, 0, 0, 0,
        0x0000000001804110L, // 5
        0x0000000001803110L,
        0x0000000018035100L,
        0x0000001800035300L,
        0x0000019000353000L,
        0x0000590003530000L, // 10
        0x0000d90003530000L,
        0x0000d90103530000L,
        0x0000d90303530000L,
        0x0000d90313530000L,
        0x0000d90f03530000L, // 15
        0x0000d90303537000L,
        0x0000d90703537000L,
        0x0000d90707537000L,
        0x0000d91707537000L,
        0x0000d91747537000L, // 20
        0x0000d91767537000L,
        0x0000d93767537000L,
        0x0000d93777537000L,
        0x0000d93777577000L,
        0x0000db3777577000L, // 25
    };

    private GearTable() {}
}
