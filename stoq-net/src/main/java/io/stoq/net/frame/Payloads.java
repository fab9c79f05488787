package io.stoq.net.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import java.nio.charset.StandardCharsets;

/**
 * The payload layouts of the request-level frames (all integers unsigned big-endian):
 *
 * <pre>
 * REQUEST   u16 message type | u8 flags | arguments (rest of the payload)
 * RESPONSE  u8 flags | metadata (rest of the payload)
 * DATA      body bytes (1 .. 65536)
 * END       u64 total body bytes sent in DATA frames
 * ERROR     u16 error code | UTF-8 message (rest, at most 1024 bytes)
 * flags     bit 0 = a body follows (DATA frames, then END); other bits must be 0
 * </pre>
 */
public final class Payloads {
    /** Flag: DATA frames and an END frame follow the REQUEST or RESPONSE. */
    public static final int FLAG_BODY = 0x01;
    public static final int MAX_ERROR_MESSAGE_BYTES = 1024;

    private Payloads() {}

    /** A REQUEST or RESPONSE head, decoded. */
    public record Head(int messageType, boolean hasBody, byte[] bytes) {}

    public static Frame request(int messageType, boolean hasBody, byte[] args) {
        ByteBuf buf = Unpooled.buffer(3 + args.length);
        buf.writeShort(messageType).writeByte(hasBody ? FLAG_BODY : 0).writeBytes(args);
        return new Frame(FrameType.REQUEST, buf);
    }

    public static Frame response(boolean hasBody, byte[] meta) {
        ByteBuf buf = Unpooled.buffer(1 + meta.length);
        buf.writeByte(hasBody ? FLAG_BODY : 0).writeBytes(meta);
        return new Frame(FrameType.RESPONSE, buf);
    }

    public static Frame end(long total) {
        return new Frame(FrameType.END, Unpooled.buffer(8).writeLong(total));
    }

    public static Frame error(NetErrorCode code, String message) {
        byte[] text = truncate(message == null ? "" : message);
        ByteBuf buf = Unpooled.buffer(2 + text.length);
        buf.writeShort(code.wireCode()).writeBytes(text);
        return new Frame(FrameType.ERROR, buf);
    }

    public static Head parseRequest(Frame frame) throws NetException {
        ByteBuf p = frame.payload();
        if (p.readableBytes() < 3) {
            throw new NetException(NetErrorCode.MALFORMED_FRAME, "a REQUEST frame needs at least 3 bytes, got " + p.readableBytes());
        }
        int type = p.getUnsignedShort(p.readerIndex());
        int flags = p.getUnsignedByte(p.readerIndex() + 2);
        checkFlags(flags, "REQUEST");
        if (type == 0) {
            throw new NetException(NetErrorCode.MALFORMED_FRAME, "message type 0 is reserved");
        }
        return new Head(type, (flags & FLAG_BODY) != 0, ByteBufUtil.getBytes(p, p.readerIndex() + 3, p.readableBytes() - 3));
    }

    public static Head parseResponse(Frame frame) throws NetException {
        ByteBuf p = frame.payload();
        if (p.readableBytes() < 1) {
            throw new NetException(NetErrorCode.MALFORMED_FRAME, "a RESPONSE frame needs at least 1 byte");
        }
        int flags = p.getUnsignedByte(p.readerIndex());
        checkFlags(flags, "RESPONSE");
        return new Head(0, (flags & FLAG_BODY) != 0, ByteBufUtil.getBytes(p, p.readerIndex() + 1, p.readableBytes() - 1));
    }

    public static long parseEnd(Frame frame) throws NetException {
        ByteBuf p = frame.payload();
        if (p.readableBytes() != 8 || p.getLong(p.readerIndex()) < 0) {
            throw new NetException(NetErrorCode.MALFORMED_FRAME, "an END frame carries exactly one non-negative u64");
        }
        return p.getLong(p.readerIndex());
    }

    /** The failure an ERROR frame reports, as an exception to throw at the receiver. */
    public static NetException parseError(Frame frame) {
        ByteBuf p = frame.payload();
        if (p.readableBytes() < 2 || p.readableBytes() > 2 + MAX_ERROR_MESSAGE_BYTES) {
            return new NetException(NetErrorCode.MALFORMED_FRAME, "the peer sent a malformed ERROR frame");
        }
        NetErrorCode code = NetErrorCode.fromWire(p.getUnsignedShort(p.readerIndex()));
        String text = p.toString(p.readerIndex() + 2, p.readableBytes() - 2, StandardCharsets.UTF_8);
        return new NetException(code, "peer refused: " + text);
    }

    private static void checkFlags(int flags, String what) throws NetException {
        if ((flags & ~FLAG_BODY) != 0) {
            throw new NetException(NetErrorCode.MALFORMED_FRAME, String.format("%s flags 0x%02x set undefined bits", what, flags));
        }
    }

    private static byte[] truncate(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_ERROR_MESSAGE_BYTES) {
            return bytes;
        }
        // Cut on a character boundary so the receiver never sees a broken UTF-8 sequence.
        int end = MAX_ERROR_MESSAGE_BYTES;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        byte[] cut = new byte[end];
        System.arraycopy(bytes, 0, cut, 0, end);
        return cut;
    }
}
