package io.stoq.net.discovery;

import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node says about itself to the network: where to reach it and how much it can store.
 * Signed by the node ({@link SignedNodeRecord}); a newer {@code sequence} replaces an older one.
 * Addresses are IP literals, never names, so reading a record resolves nothing.
 *
 * <pre>
 * "stoq.node-record.v1\0"                      20 bytes, ASCII (domain separation)
 * u8 length | node id, UTF-8
 * u8 length | zone, UTF-8
 * u8 address count (1..8); each: u8 4|16 | IP address | u16 port
 * u64 capacity bytes | u64 free bytes
 * u8 length | certificate serial, unsigned big-endian
 * u64 sequence
 * u64 issued at, epoch milliseconds
 * </pre>
 */
public record NodeRecord(String nodeId, String zone, List<InetSocketAddress> addresses, long capacityBytes, long freeBytes,
        BigInteger serial, long sequence, Instant issuedAt) {
    static final byte[] DOMAIN = "stoq.node-record.v1\0".getBytes(StandardCharsets.US_ASCII);
    public static final int MAX_ADDRESSES = 8;

    public NodeRecord {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty() || addresses.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException("a node record has 1 to " + MAX_ADDRESSES + " addresses, not " + addresses.size());
        }
        for (InetSocketAddress a : addresses) {
            if (a.isUnresolved() || a.getAddress() == null) {
                throw new IllegalArgumentException("node record addresses are IP literals, not " + a);
            }
        }
        if (capacityBytes < 0 || freeBytes < 0 || freeBytes > capacityBytes || sequence < 0 || serial.signum() <= 0) {
            throw new IllegalArgumentException("node record fields out of range for " + nodeId);
        }
    }

    /** The canonical bytes: what the node signs. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.writeBytes(DOMAIN);
        text(out, nodeId);
        text(out, zone);
        out.write(addresses.size());
        for (InetSocketAddress a : addresses) {
            byte[] ip = a.getAddress().getAddress();
            out.write(ip.length);
            out.writeBytes(ip);
            out.write(a.getPort() >>> 8);
            out.write(a.getPort());
        }
        ByteBuffer numbers = ByteBuffer.allocate(16).putLong(capacityBytes).putLong(freeBytes);
        out.writeBytes(numbers.array());
        byte[] s = serial.toByteArray();
        int skip = s.length > 1 && s[0] == 0 ? 1 : 0;
        out.write(s.length - skip);
        out.write(s, skip, s.length - skip);
        out.writeBytes(ByteBuffer.allocate(16).putLong(sequence).putLong(issuedAt.toEpochMilli()).array());
        return out.toByteArray();
    }

    public static NodeRecord decode(byte[] bytes) throws NetException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            byte[] domain = new byte[DOMAIN.length];
            b.get(domain);
            if (!java.util.Arrays.equals(domain, DOMAIN)) {
                throw malformed("not a version 1 node record");
            }
            String nodeId = text(b);
            String zone = text(b);
            int count = b.get() & 0xFF;
            if (count < 1 || count > MAX_ADDRESSES) {
                throw malformed("a node record has 1 to " + MAX_ADDRESSES + " addresses, not " + count);
            }
            List<InetSocketAddress> addresses = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int length = b.get() & 0xFF;
                if (length != 4 && length != 16) {
                    throw malformed("an address of " + length + " bytes is neither IPv4 nor IPv6");
                }
                byte[] ip = new byte[length];
                b.get(ip);
                addresses.add(new InetSocketAddress(InetAddress.getByAddress(ip), b.getShort() & 0xFFFF));
            }
            long capacity = b.getLong();
            long free = b.getLong();
            byte[] serial = new byte[b.get() & 0xFF];
            b.get(serial);
            long sequence = b.getLong();
            long issued = b.getLong();
            if (b.hasRemaining()) {
                throw malformed("the node record has " + b.remaining() + " trailing bytes");
            }
            return new NodeRecord(nodeId, zone, addresses, capacity, free, new BigInteger(1, serial), sequence,
                    Instant.ofEpochMilli(issued));
        } catch (BufferUnderflowException e) {
            throw malformed("the node record is truncated");
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
    }

    private static void text(ByteArrayOutputStream out, String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        if (b.length > 255) {
            throw new IllegalArgumentException("'" + value + "' is longer than 255 bytes");
        }
        out.write(b.length);
        out.writeBytes(b);
    }

    private static String text(ByteBuffer b) {
        byte[] v = new byte[b.get() & 0xFF];
        b.get(v);
        return new String(v, StandardCharsets.UTF_8);
    }

    private static NetException malformed(String why) {
        return new NetException(NetErrorCode.BAD_REQUEST, "malformed node record: " + why);
    }
}
