package io.stoq.shard.codec;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;

/**
 * SHA3-256 of a whole shard, fed to the digest in {@value #FEED}-byte slices.
 *
 * <p>Why slices: one multi-MiB {@code update()} makes HotSpot compile BouncyCastle's Keccak absorb
 * loop on-stack (OSR), which measured 100-180 MB/s here against ~250 MB/s for 64 KiB calls (JDK 17
 * and 25 alike). Same digest, same result; only the call pattern differs.
 */
public final class ShardHash {
    static final int FEED = 64 * 1024;

    private ShardHash() {}

    public static Hash256 of(byte[] data) {
        return of(data, 0, data.length);
    }

    public static Hash256 of(byte[] data, int offset, int length) {
        Sha3 sha3 = new Sha3();
        int end = offset + length;
        for (int pos = offset; pos < end; pos += FEED) {
            sha3.update(data, pos, Math.min(FEED, end - pos));
        }
        return sha3.digest();
    }
}
