package io.stoq.crypto.hash;

import io.stoq.crypto.ConstantTime;
import io.stoq.crypto.Hex;
import java.util.Arrays;

/**
 * A 32-byte digest value (SHA3-256 everywhere in stoq). Immutable: the array is copied in and out.
 */
public final class Hash256 implements Comparable<Hash256> {
    /** Digest length in bytes. */
    public static final int LENGTH = 32;

    private final byte[] bytes;

    private Hash256(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps a copy of {@code bytes}; they must be exactly 32 bytes long. */
    public static Hash256 of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a SHA3-256 digest is 32 bytes, got " + bytes.length);
        }
        return new Hash256(bytes.clone());
    }

    /** Parses 64 hex digits. */
    public static Hash256 ofHex(String hex) {
        if (hex.length() != LENGTH * 2) {
            throw new IllegalArgumentException("a SHA3-256 digest is 64 hex digits, got " + hex.length());
        }
        return new Hash256(Hex.decode(hex));
    }

    static Hash256 wrap(byte[] owned) {
        return new Hash256(owned);
    }

    /** The backing array, for {@link Sha3} only; never handed out of this package. */
    byte[] bytes() {
        return bytes;
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String toHex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hash256 other && ConstantTime.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(Hash256 o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
