package io.stoq.shard;

import io.stoq.crypto.Hex;
import io.stoq.crypto.SecureRandoms;
import java.util.Arrays;

/**
 * An asset's identity: 16 random bytes, written as 32 hex digits. Bound into every shard's AAD and
 * into the manifest, so a shard cannot be replayed into another asset. Immutable.
 */
public final class AssetId {
    public static final int LENGTH = 16;
    private final byte[] bytes;

    private AssetId(byte[] bytes) {
        this.bytes = bytes;
    }

    public static AssetId random() {
        return new AssetId(SecureRandoms.bytes(LENGTH));
    }

    public static AssetId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("an asset id is " + LENGTH + " bytes, got " + bytes.length);
        }
        return new AssetId(bytes.clone());
    }

    /** Parses 32 hex digits; a typed error for user input. */
    public static AssetId parse(String hex) throws ShardException {
        if (hex.length() != LENGTH * 2 || !hex.matches("[0-9a-fA-F]+")) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "an asset id is 32 hex digits, got '" + hex + "'");
        }
        return new AssetId(Hex.decode(hex.toLowerCase(java.util.Locale.ROOT)));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String toHex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AssetId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
