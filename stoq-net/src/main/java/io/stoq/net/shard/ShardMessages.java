package io.stoq.net.shard;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import java.nio.ByteBuffer;

/**
 * Argument and metadata layouts of the shard messages (integers unsigned big-endian).
 *
 * <pre>
 * get-shard  args  32 shard id | u64 offset | u64 length      (length 0: only the size, no body)
 *            meta  u64 shard size | u64 offset | u64 length   (then the range as the body)
 * put-shard  args  32 shard id | u64 length                   (then exactly length body bytes)
 *            meta  u8 1 when the shard was already held, else 0
 * </pre>
 */
final class ShardMessages {
    static final int GET_ARGS = 32 + 8 + 8;
    static final int PUT_ARGS = 32 + 8;

    private ShardMessages() {}

    record Range(Hash256 id, long offset, long length) {}

    static byte[] getArgs(Hash256 id, long offset, long length) {
        return ByteBuffer.allocate(GET_ARGS).put(id.toBytes()).putLong(offset).putLong(length).array();
    }

    static Range parseGet(byte[] args) throws NetException {
        if (args.length != GET_ARGS) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "get-shard takes " + GET_ARGS + " argument bytes, got " + args.length);
        }
        ByteBuffer b = ByteBuffer.wrap(args);
        byte[] id = new byte[32];
        b.get(id);
        long offset = b.getLong();
        long length = b.getLong();
        if (offset < 0 || length < 0) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "get-shard offset and length must be below 2^63");
        }
        return new Range(Hash256.of(id), offset, length);
    }

    static byte[] getMeta(long size, long offset, long length) {
        return ByteBuffer.allocate(24).putLong(size).putLong(offset).putLong(length).array();
    }

    static long[] parseGetMeta(byte[] meta) throws NetException {
        if (meta.length != 24) {
            throw new NetException(NetErrorCode.PROTOCOL_VIOLATION, "get-shard metadata is 24 bytes, got " + meta.length);
        }
        ByteBuffer b = ByteBuffer.wrap(meta);
        return new long[] {b.getLong(), b.getLong(), b.getLong()};
    }

    static byte[] putArgs(Hash256 id, long length) {
        return ByteBuffer.allocate(PUT_ARGS).put(id.toBytes()).putLong(length).array();
    }

    static Range parsePut(byte[] args) throws NetException {
        if (args.length != PUT_ARGS) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "put-shard takes " + PUT_ARGS + " argument bytes, got " + args.length);
        }
        ByteBuffer b = ByteBuffer.wrap(args);
        byte[] id = new byte[32];
        b.get(id);
        long length = b.getLong();
        if (length < 0) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "put-shard length must be below 2^63");
        }
        return new Range(Hash256.of(id), 0, length);
    }
}
