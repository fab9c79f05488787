package io.stoq.net.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;

/**
 * The second handshake message: the sender's Falcon signature over the {@link Transcript}.
 *
 * <pre>
 * PROOF payload: u16 signature length (1..4096) | signature
 * </pre>
 */
public final class Proof {
    private static final int MAX_SIGNATURE_BYTES = 4096;

    private Proof() {}

    public static Frame toFrame(byte[] signature) {
        ByteBuf buf = Unpooled.buffer(2 + signature.length);
        buf.writeShort(signature.length).writeBytes(signature);
        return new Frame(FrameType.PROOF, buf);
    }

    public static byte[] parse(Frame frame) throws NetException {
        ByteBuf p = frame.payload();
        if (p.readableBytes() < 2) {
            throw new NetException(NetErrorCode.HANDSHAKE_FAILED, "the PROOF is truncated");
        }
        int length = p.getUnsignedShort(p.readerIndex());
        if (length < 1 || length > MAX_SIGNATURE_BYTES || p.readableBytes() != 2 + length) {
            throw new NetException(NetErrorCode.HANDSHAKE_FAILED, "the PROOF's signature length " + length + " does not fit the frame");
        }
        byte[] signature = new byte[length];
        p.getBytes(p.readerIndex() + 2, signature);
        return signature;
    }
}
