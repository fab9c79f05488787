package io.stoq.shard.manifest;

import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.nio.ByteBuffer;

/**
 * Bounds-checked big-endian reader over an encoded manifest that names the field it was reading
 * when it fails ("truncated in field merkleRoot at byte 412"). Not thread-safe: one per decode.
 */
final class FieldReader {
    private final ByteBuffer in;

    FieldReader(byte[] data) {
        this.in = ByteBuffer.wrap(data);
    }

    int remaining() {
        return in.remaining();
    }

    int position() {
        return in.position();
    }

    private void need(String field, int n) throws ShardException {
        if (in.remaining() < n) {
            throw malformed("truncated in field " + field + " at byte " + in.position()
                    + " (needs " + n + " bytes, " + in.remaining() + " left of " + in.limit() + ")");
        }
    }

    int u8(String field) throws ShardException {
        need(field, 1);
        return in.get() & 0xff;
    }

    int u16(String field) throws ShardException {
        need(field, 2);
        return in.getShort() & 0xffff;
    }

    int u32(String field) throws ShardException {
        need(field, 4);
        return in.getInt();
    }

    long u64(String field) throws ShardException {
        need(field, 8);
        long v = in.getLong();
        if (v < 0) {
            throw bad(field, Long.toUnsignedString(v) + " is out of range");
        }
        return v;
    }

    byte[] bytes(String field, int n) throws ShardException {
        need(field, n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    byte[] blob16(String field) throws ShardException {
        return bytes(field, u16(field + ".length"));
    }

    ShardException bad(String field, String why) {
        return malformed("field " + field + " (before byte " + in.position() + "): " + why);
    }

    static ShardException malformed(String why) {
        return new ShardException(ShardErrorCode.MALFORMED_MANIFEST, "malformed manifest: " + why);
    }
}
