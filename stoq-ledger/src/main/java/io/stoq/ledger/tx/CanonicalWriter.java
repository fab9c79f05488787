package io.stoq.ledger.tx;

import io.stoq.crypto.hash.Hash256;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes stoq's canonical binary encoding: big-endian fixed-width integers, byte strings and UTF-8
 * strings prefixed by a u32 length, hashes as 32 raw bytes, lists as a u32 count then items. One
 * value has exactly one encoding, so hashes and signatures over it are stable across nodes and JVMs.
 *
 * <p>Not thread-safe; one instance per encoding.
 */
public final class CanonicalWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    public CanonicalWriter u8(int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException("u8 out of range: " + value);
        }
        out.write(value);
        return this;
    }

    public CanonicalWriter u32(int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    public CanonicalWriter u64(long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift));
        }
        return this;
    }

    public CanonicalWriter bool(boolean value) {
        return u8(value ? 1 : 0);
    }

    public CanonicalWriter bytes(byte[] value) {
        u32(value.length);
        out.writeBytes(value);
        return this;
    }

    /** Appends raw bytes with no length prefix (for fixed-size fields and domain tags). */
    public CanonicalWriter raw(byte[] value) {
        out.writeBytes(value);
        return this;
    }

    public CanonicalWriter string(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    public CanonicalWriter hash(Hash256 value) {
        out.writeBytes(value.toBytes());
        return this;
    }

    public CanonicalWriter hashes(List<Hash256> values) {
        u32(values.size());
        values.forEach(this::hash);
        return this;
    }

    public CanonicalWriter byteList(List<byte[]> values) {
        u32(values.size());
        values.forEach(this::bytes);
        return this;
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }
}
