package io.stoq.net.shard;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shards in memory, checked against their ids on write: for the peer benchmark and tests (a node
 * adapts its durable {@code LocalShardStore} instead). Thread-safe.
 */
public final class MemoryShardStore implements ShardStore {
    private final Map<Hash256, byte[]> shards = new ConcurrentHashMap<>();

    /** Adds {@code bytes} under their hash and returns it. */
    public Hash256 add(byte[] bytes) {
        Hash256 id = Sha3.hash(bytes);
        shards.put(id, bytes.clone());
        return id;
    }

    public byte[] bytes(Hash256 id) {
        byte[] b = shards.get(id);
        return b == null ? null : b.clone();
    }

    @Override
    public OptionalLong size(Hash256 id) {
        byte[] b = shards.get(id);
        return b == null ? OptionalLong.empty() : OptionalLong.of(b.length);
    }

    @Override
    public void read(Hash256 id, long offset, long length, OutputStream out) throws NetException, IOException {
        byte[] b = shards.get(id);
        if (b == null) {
            throw new NetException(NetErrorCode.NOT_FOUND, "no shard " + id.toHex());
        }
        int from = (int) offset;
        int end = (int) Math.min(b.length, offset + length);
        for (int pos = from; pos < end; pos += 64 * 1024) {
            out.write(b, pos, Math.min(64 * 1024, end - pos));
        }
    }

    @Override
    public boolean write(Hash256 id, long length, InputStream in) throws NetException, IOException {
        if (length > Integer.MAX_VALUE - 16) {
            throw new NetException(NetErrorCode.REFUSED, "a memory store holds shards below 2 GiB");
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream((int) length);
        byte[] chunk = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int r = in.read(chunk, 0, (int) Math.min(chunk.length, left));
            if (r < 0) {
                throw new NetException(NetErrorCode.INTEGRITY, "the shard ended after " + (length - left) + " of " + length + " bytes");
            }
            buf.write(chunk, 0, r);
            left -= r;
        }
        byte[] bytes = buf.toByteArray();
        if (!Sha3.hash(bytes).equals(id)) {
            throw new NetException(NetErrorCode.INTEGRITY, "the bytes offered as shard " + id.toHex() + " hash to something else");
        }
        return shards.putIfAbsent(id, bytes) == null;
    }
}
