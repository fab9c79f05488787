package io.stoq.net.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Writes a {@link Frame} as its 8-byte header followed by its payload (no copy of the payload).
 * Stateless and shared by every stream.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        ByteBuf header = ctx.alloc().directBuffer(Frame.HEADER_BYTES);
        header.writeShort(Frame.MAGIC).writeByte(Frame.VERSION).writeByte(frame.type().code()).writeInt(frame.length());
        out.add(header);
        out.add(frame.payload().retain());
    }
}
