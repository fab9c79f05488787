package io.stoq.net.transport;

import io.netty.buffer.ByteBuf;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetIoException;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.Payloads;
import java.io.IOException;
import java.io.InputStream;

/**
 * A streamed body as an {@link InputStream}: the DATA frames of one stream up to its END frame,
 * whose total must equal the bytes received. An ERROR frame from the peer surfaces as a
 * {@link NetIoException} with the peer's code; any other frame, or more bytes than
 * {@code limit}, fails the stream. Reads block (bounded by the request timeout) and pull the next
 * frame only when the current one is used up, so QUIC flow control paces the sender.
 *
 * <p>Used by one thread. Closing it before the END frame abandons the stream.
 */
public final class BodyInput extends InputStream {
    private final StreamIo io;
    private final long limit;
    private Frame current;
    private long received;
    private boolean ended;

    public BodyInput(StreamIo io, long limit) {
        this.io = io;
        this.limit = limit;
    }

    /** Bytes received so far. */
    public long received() {
        return received;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        ByteBuf buf = fill();
        if (buf == null) {
            return -1;
        }
        int n = Math.min(len, buf.readableBytes());
        buf.readBytes(b, off, n);
        return n;
    }

    /**
     * The next run of body bytes, zero-copy: the buffer is valid until the next call or
     * {@link #close()}; null at the end of the body.
     */
    public ByteBuf nextChunk() throws IOException {
        ByteBuf buf = fill();
        if (buf == null) {
            return null;
        }
        ByteBuf chunk = buf.slice();
        buf.skipBytes(buf.readableBytes());
        return chunk;
    }

    private ByteBuf fill() throws IOException {
        while (current == null || !current.payload().isReadable()) {
            releaseCurrent();
            if (ended) {
                return null;
            }
            Frame frame = io.next();
            switch (frame.type()) {
                case DATA -> {
                    received += frame.length();
                    if (received > limit) {
                        frame.release();
                        io.fail(NetErrorCode.REFUSED, "the body exceeds the limit of " + limit + " bytes");
                        throw new NetIoException(NetErrorCode.REFUSED, "the body exceeds the limit of " + limit + " bytes");
                    }
                    current = frame;
                }
                case END -> end(frame);
                case ERROR -> {
                    NetException e = Payloads.parseError(frame);
                    frame.release();
                    io.abort();
                    throw new NetIoException(e.code(), e.getMessage());
                }
                default -> {
                    FrameType type = frame.type();
                    frame.release();
                    io.fail(NetErrorCode.PROTOCOL_VIOLATION, "a " + type + " frame inside a body");
                    throw new NetIoException(NetErrorCode.PROTOCOL_VIOLATION, "the peer sent a " + type + " frame inside a body");
                }
            }
        }
        return current.payload();
    }

    private void end(Frame frame) throws NetIoException {
        try {
            long total = Payloads.parseEnd(frame);
            if (total != received) {
                io.fail(NetErrorCode.INTEGRITY, "END says " + total + " body bytes, " + received + " arrived");
                throw new NetIoException(NetErrorCode.INTEGRITY, "the body ended after " + received + " bytes, but its END says " + total);
            }
            ended = true;
            io.doneReading();
        } catch (NetException e) {
            io.fail(e.code(), e.getMessage());
            throw new NetIoException(e.code(), e.getMessage());
        } finally {
            frame.release();
        }
    }

    /** True once the END frame has been read. */
    public boolean ended() {
        return ended;
    }

    /** Frees the frame being read without touching the stream (its owner ends or fails it). */
    public void release() {
        releaseCurrent();
    }

    private void releaseCurrent() {
        if (current != null) {
            current.release();
            current = null;
        }
    }

    @Override
    public void close() {
        releaseCurrent();
        if (!ended) {
            io.abort();
            ended = true;
        }
    }
}
