package io.stoq.net.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;

/**
 * One decoded or to-be-encoded frame: its type and payload.
 *
 * <pre>
 * offset  size  field
 * 0       2     magic 0x53 0x51 ("SQ")
 * 2       1     protocol version (1)
 * 3       1     frame type ({@link FrameType})
 * 4       4     payload length, unsigned big-endian, at most the receiver's maximum frame size
 * 8       n     payload
 * </pre>
 *
 * <p>Ownership: a frame owns its payload buffer. Whoever takes a frame from the decoder, or hands
 * one to the encoder, passes that ownership on; the last holder calls {@link #release()} (the
 * encoder releases what it writes).
 */
public final class Frame implements ReferenceCounted {
    public static final int MAGIC = 0x5351;
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 8;

    private final FrameType type;
    private final ByteBuf payload;

    public Frame(FrameType type, ByteBuf payload) {
        this.type = type;
        this.payload = payload;
    }

    /** A frame with no payload. */
    public static Frame empty(FrameType type) {
        return new Frame(type, Unpooled.EMPTY_BUFFER);
    }

    public FrameType type() {
        return type;
    }

    /** The payload; valid until {@link #release()}. */
    public ByteBuf payload() {
        return payload;
    }

    public int length() {
        return payload.readableBytes();
    }

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public Frame retain() {
        payload.retain();
        return this;
    }

    @Override
    public Frame retain(int increment) {
        payload.retain(increment);
        return this;
    }

    @Override
    public Frame touch() {
        payload.touch();
        return this;
    }

    @Override
    public Frame touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int decrement) {
        return payload.release(decrement);
    }

    @Override
    public String toString() {
        return type + "(" + payload.readableBytes() + " bytes)";
    }
}
