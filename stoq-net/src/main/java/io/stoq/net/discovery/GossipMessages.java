package io.stoq.net.discovery;

import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gossip exchange (integers unsigned big-endian):
 *
 * <pre>
 * request args   u32 length | the sender's own signed record
 *                u16 count | per node known: u8 length | node id | u64 sequence held
 * response body  per record the requester lacks or holds older: u32 length | signed record
 * </pre>
 *
 * The requester's own record must be the authenticated peer's; the response holds at most the
 * responder's record bound.
 */
final class GossipMessages {
    private GossipMessages() {}

    record Request(SignedNodeRecord sender, Map<String, Long> digest) {}

    static byte[] request(SignedNodeRecord own, Map<String, Long> digest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] r = own.encode();
        out.writeBytes(ByteBuffer.allocate(4).putInt(r.length).array());
        out.writeBytes(r);
        int count = Math.min(digest.size(), 0xFFFF);
        out.write(count >>> 8);
        out.write(count);
        int n = 0;
        for (Map.Entry<String, Long> e : digest.entrySet()) {
            if (n++ == count) {
                break;
            }
            byte[] id = e.getKey().getBytes(StandardCharsets.UTF_8);
            out.write(id.length);
            out.writeBytes(id);
            out.writeBytes(ByteBuffer.allocate(8).putLong(e.getValue()).array());
        }
        return out.toByteArray();
    }

    static Request parseRequest(byte[] args, int maxEntries) throws NetException {
        ByteBuffer b = ByteBuffer.wrap(args);
        try {
            int length = b.getInt();
            if (length < 0 || length > Math.min(b.remaining(), SignedNodeRecord.MAX_BYTES)) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "gossip: bad record length " + length);
            }
            byte[] record = new byte[length];
            b.get(record);
            int count = b.getShort() & 0xFFFF;
            if (count > maxEntries) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "gossip: a digest of " + count + " nodes is over the limit of " + maxEntries);
            }
            Map<String, Long> digest = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                byte[] id = new byte[b.get() & 0xFF];
                b.get(id);
                digest.put(new String(id, StandardCharsets.UTF_8), b.getLong());
            }
            if (b.hasRemaining()) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "gossip: trailing bytes");
            }
            return new Request(SignedNodeRecord.decode(record), digest);
        } catch (BufferUnderflowException e) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "gossip: truncated request");
        }
    }

    static void writeRecord(OutputStream out, SignedNodeRecord record) throws IOException {
        byte[] r = record.encode();
        out.write(ByteBuffer.allocate(4).putInt(r.length).array());
        out.write(r);
    }

    /** The next record of a response body, or null at its end. */
    static SignedNodeRecord readRecord(InputStream in) throws IOException, NetException {
        DataInputStream data = new DataInputStream(in);
        int length;
        try {
            length = data.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (length < 0 || length > SignedNodeRecord.MAX_BYTES) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "gossip: a record of " + length + " bytes is over the limit");
        }
        byte[] r = data.readNBytes(length);
        if (r.length != length) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "gossip: truncated record");
        }
        return SignedNodeRecord.decode(r);
    }
}
