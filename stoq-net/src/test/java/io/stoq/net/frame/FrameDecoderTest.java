package io.stoq.net.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.stoq.net.LeakGuard;
import io.stoq.net.NetErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The frame layout byte by byte, and each header fault found before any payload is buffered. */
@ExtendWith(LeakGuard.class)
class FrameDecoderTest {
    private static ByteBuf header(int magic, int version, int type, long length) {
        return Unpooled.buffer().writeShort(magic).writeByte(version).writeByte(type).writeInt((int) length);
    }

    @Test
    void aFrameSplitAcrossReadsIsReassembled() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ByteBuf whole = header(Frame.MAGIC, 1, FrameType.DATA.code(), 5).writeBytes(new byte[] {1, 2, 3, 4, 5});
        ch.writeInbound(whole.readRetainedSlice(6));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(whole.readRetainedSlice(whole.readableBytes()));
        whole.release();
        Frame frame = ch.readInbound();
        assertThat(frame.type()).isEqualTo(FrameType.DATA);
        assertThat(frame.length()).isEqualTo(5);
        assertThat(frame.payload().getByte(4)).isEqualTo((byte) 5);
        frame.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void theEncoderWritesTheDocumentedHeader() {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ch.writeOutbound(new Frame(FrameType.END, Unpooled.buffer().writeLong(7)));
        ByteBuf header = ch.readOutbound();
        ByteBuf payload = ch.readOutbound();
        assertThat(header.readableBytes()).isEqualTo(8);
        assertThat(header.getUnsignedShort(0)).isEqualTo(0x5351);
        assertThat(header.getUnsignedByte(2)).isEqualTo((short) 1);
        assertThat(header.getUnsignedByte(3)).isEqualTo((short) 0x13);
        assertThat(header.getInt(4)).isEqualTo(8);
        assertThat(payload.getLong(0)).isEqualTo(7);
        header.release();
        payload.release();
    }

    @Test
    void headerFaultsAreReportedInOrderAndTheRestOfTheStreamIsDropped() {
        assertThat(violation(header(0x4745, 1, 0x10, 0))).isEqualTo(NetErrorCode.MALFORMED_FRAME);
        assertThat(violation(header(Frame.MAGIC, 9, 0x7E, 1 << 30))).isEqualTo(NetErrorCode.UNSUPPORTED_VERSION);
        assertThat(violation(header(Frame.MAGIC, 1, 0x7E, 1 << 30))).isEqualTo(NetErrorCode.UNKNOWN_FRAME_TYPE);
        assertThat(violation(header(Frame.MAGIC, 1, FrameType.DATA.code(), 1025))).isEqualTo(NetErrorCode.FRAME_TOO_LARGE);
    }

    private static NetErrorCode violation(ByteBuf bytes) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ch.writeInbound(bytes);
        FrameViolation v = ch.readInbound();
        // A well-formed frame after the fault is not decoded: the stream is given up.
        ch.writeInbound(header(Frame.MAGIC, 1, FrameType.DATA.code(), 1).writeByte(1));
        assertThat((Object) ch.readInbound()).isNull();
        ch.finishAndReleaseAll();
        return v.code();
    }
}
