package io.stoq.fragmint.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.stoq.fragmint.http.WriteBacklog;
import java.io.IOException;
import java.io.InputStream;

/**
 * Streams a request body from an InputStream into a channel, as the clients of this package do:
 * chunks of {@value #CHUNK} bytes, with at most {@link #WRITE_HIGH} bytes handed to the channel
 * and not yet written. Not the channel's writability: for a QUIC stream that only says whether
 * quiche has room this moment, and gated on it the writer kept one chunk ahead of the wire and slept
 * at nearly every ACK.
 */
final class RequestBodies {
    /** Bytes per chunk of a request body. */
    static final int CHUNK = 64 * 1024;
    /** The writer waits above the high mark and goes on below the low one. */
    static final long WRITE_HIGH = 1L << 20;
    static final long WRITE_LOW = 256L << 10;

    private RequestBodies() {}

    /**
     * Writes all of {@code body} to {@code ch} (without the last-content marker), blocking while
     * the backlog is above the high mark; stops early if the channel closes (the response, or the
     * connection's end, then says why).
     */
    static void write(Channel ch, InputStream body) throws IOException, InterruptedException {
        Object drained = new Object(); // notified on the event loop when the backlog falls to the low mark or the channel ends
        WriteBacklog queued = new WriteBacklog(WRITE_LOW, WRITE_HIGH);
        GenericFutureListener<Future<Void>> closed = f -> {
            synchronized (drained) {
                drained.notifyAll();
            }
        };
        ch.closeFuture().addListener(closed);
        try {
            copy(ch, body, queued, drained);
        } finally {
            ch.closeFuture().removeListener(closed); // a kept-alive connection carries thousands of bodies
        }
    }

    private static void copy(Channel ch, InputStream body, WriteBacklog queued, Object drained) throws IOException, InterruptedException {
        byte[] buf = new byte[CHUNK];
        for (int r; (r = body.read(buf)) != -1; ) {
            // Above the high mark, wait until the event loop has handed the queue down to the low
            // mark: woken by the write listeners, not by polling, which on a loaded machine slept
            // far longer than asked.
            if (!queued.belowHigh()) {
                synchronized (drained) {
                    while (!queued.drained() && ch.isActive()) {
                        drained.wait(100);
                    }
                }
            }
            if (!ch.isActive()) {
                return;
            }
            ByteBuf chunk = ch.alloc().directBuffer(r); // native memory: the transport reads it without another copy
            chunk.writeBytes(buf, 0, r);
            int n = r;
            queued.written(n);
            ch.writeAndFlush(new DefaultHttpContent(chunk)).addListener(f -> {
                if (queued.taken(n)) {
                    synchronized (drained) {
                        drained.notifyAll();
                    }
                }
            });
        }
    }
}
