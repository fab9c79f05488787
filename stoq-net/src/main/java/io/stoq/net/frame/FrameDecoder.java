package io.stoq.net.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.stoq.net.NetErrorCode;
import java.util.List;

/**
 * Cuts one stream's bytes into {@link Frame}s. The header is checked as soon as its 8 bytes are
 * in, before any payload is buffered, in this order: magic, version, type, length. A header that
 * fails emits one {@link FrameViolation} and the decoder then drops every later byte of the
 * stream, so a hostile peer cannot make it buffer more than one maximum-size frame.
 *
 * <p>One instance per stream (it is stateful); runs on the stream's event loop.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameBytes;
    private boolean broken;

    public FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (broken) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < Frame.HEADER_BYTES) {
            return;
        }
        int start = in.readerIndex();
        FrameViolation violation = check(in, start);
        if (violation != null) {
            broken = true;
            in.skipBytes(in.readableBytes());
            out.add(violation);
            return;
        }
        long length = in.getUnsignedInt(start + 4);
        if (in.readableBytes() < Frame.HEADER_BYTES + length) {
            return;
        }
        FrameType type = FrameType.fromCode(in.getUnsignedByte(start + 3));
        in.skipBytes(Frame.HEADER_BYTES);
        out.add(new Frame(type, in.readRetainedSlice((int) length)));
    }

    private FrameViolation check(ByteBuf in, int start) {
        int magic = in.getUnsignedShort(start);
        if (magic != Frame.MAGIC) {
            return new FrameViolation(NetErrorCode.MALFORMED_FRAME,
                    String.format("bad frame magic 0x%04x (expected 0x%04x): not a STOQ stream", magic, Frame.MAGIC));
        }
        int version = in.getUnsignedByte(start + 2);
        if (version != Frame.VERSION) {
            return new FrameViolation(NetErrorCode.UNSUPPORTED_VERSION,
                    "frame version " + version + " is not supported; this node speaks version " + Frame.VERSION);
        }
        int type = in.getUnsignedByte(start + 3);
        if (FrameType.fromCode(type) == null) {
            return new FrameViolation(NetErrorCode.UNKNOWN_FRAME_TYPE,
                    String.format("frame type 0x%02x is not defined in version %d", type, Frame.VERSION));
        }
        long length = in.getUnsignedInt(start + 4);
        if (length > maxFrameBytes) {
            return new FrameViolation(NetErrorCode.FRAME_TOO_LARGE,
                    "a " + FrameType.fromCode(type) + " frame of " + length + " bytes exceeds the maximum of " + maxFrameBytes);
        }
        return null;
    }
}
