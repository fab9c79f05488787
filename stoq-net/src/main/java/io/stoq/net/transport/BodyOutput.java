package io.stoq.net.transport;

import io.netty.buffer.ByteBuf;
import io.stoq.net.PeerConfig;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.Payloads;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A streamed body as an {@link OutputStream}: bytes are gathered into DATA frames of
 * {@link PeerConfig#DATA_CHUNK_BYTES} (copied once, into a direct buffer QUIC sends from) and
 * sent with {@link StreamIo#send}'s back-pressure; {@link #close()} sends the last DATA frame and
 * the END frame with the total. It does not end the stream: the owner does.
 *
 * <p>Used by one thread at a time (a caller that writes from two, such as a keep-alive beside the
 * answer, serializes the writes itself).
 */
public final class BodyOutput extends OutputStream {
    private final StreamIo io;
    private ByteBuf chunk;
    private long total;
    private boolean closed;

    public BodyOutput(StreamIo io) {
        this.io = io;
    }

    public long total() {
        return total;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("body already ended");
        }
        while (len > 0) {
            if (chunk == null) {
                chunk = io.channel().alloc().directBuffer(PeerConfig.DATA_CHUNK_BYTES);
            }
            int n = Math.min(len, chunk.writableBytes());
            chunk.writeBytes(b, off, n);
            off += n;
            len -= n;
            total += n;
            if (!chunk.isWritable()) {
                flushChunk();
            }
        }
    }

    private void flushChunk() throws IOException {
        ByteBuf full = chunk;
        chunk = null;
        io.send(new Frame(FrameType.DATA, full));
    }

    /**
     * Sends what is gathered so far as a DATA frame of its own (a body that trickles, such as a
     * keep-alive while a slow answer is prepared, must not wait for a full chunk: the peer's
     * no-progress timeout would end it).
     */
    @Override
    public void flush() throws IOException {
        if (!closed && chunk != null && chunk.isReadable()) {
            flushChunk();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (chunk != null && chunk.isReadable()) {
            flushChunk();
        } else if (chunk != null) {
            chunk.release();
            chunk = null;
        }
        io.send(Payloads.end(total));
    }

    /** Frees the unsent chunk without ending the body (the exchange failed). */
    public void discard() {
        closed = true;
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }
}
