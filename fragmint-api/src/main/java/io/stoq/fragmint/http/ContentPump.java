package io.stoq.fragmint.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.stoq.fragmint.port.AssetContent;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one download body to the client in {@link ResponseWriter#CHUNK} steps without ever
 * holding a worker thread while the client is slow. Each turn runs on a worker: it reads and
 * writes while the channel is writable, then either finishes, yields (after {@link #TURN_BYTES},
 * so a fast download does not keep a thread from queued requests), or parks on the handler's
 * {@link WritabilityGate} and returns the thread. The gate resumes it on a worker once the client
 * has read, or aborts it (closing the connection or stream) when the client does not read for the
 * write-stall limit.
 *
 * <pre>
 *   run: RUNNING --not writable--> PARKED --writable--> (queued) RUNNING
 *           |  \--1 MiB sent----> (queued) RUNNING           \--stall / gone--> ABORTED
 *           |---all sent--------> DONE (last chunk written, exchange done)
 *           `---read/write error-> ABORTED
 * </pre>
 *
 * <p>Owns the {@link AssetContent} and closes it exactly once. Turns never overlap: each is
 * started only by the end of the previous one (directly, through the executor or through the
 * gate), so the fields need no lock; the executor and the event loop order the hand-offs.
 */
final class ContentPump implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ContentPump.class);
    /** Bytes one turn may send before yielding its thread. */
    static final int TURN_BYTES = 1 << 20;

    private final HttpExchange ex;
    private final RequestHandler handler;
    private final AssetContent content;
    private final boolean closeAfter;
    private final ApiMetrics metrics;
    private final Executor workers;
    private final Duration writeStall;
    private final AtomicBoolean closed = new AtomicBoolean();
    private long left;

    ContentPump(HttpExchange ex, RequestHandler handler, AssetContent content, long length, boolean closeAfter,
            ApiMetrics metrics, Executor workers, Duration writeStall) {
        this.ex = ex;
        this.handler = handler;
        this.content = content;
        this.left = length;
        this.closeAfter = closeAfter;
        this.metrics = metrics;
        this.workers = workers;
        this.writeStall = writeStall;
    }

    /** One turn, on a worker thread. */
    @Override
    public void run() {
        Channel ch = ex.ctx.channel();
        try {
            InputStream in = content.body();
            long sentThisTurn = 0;
            while (left > 0) {
                if (!ch.isActive()) {
                    abort();
                    return;
                }
                if (!ch.isWritable()) {
                    handler.gate().park(ch, writeStall, this::requeue, this::abort, metrics::writeStall);
                    return;
                }
                if (sentThisTurn >= TURN_BYTES) {
                    if (requeueOrContinue()) {
                        return;
                    }
                    sentThisTurn = 0;
                }
                int want = (int) Math.min(ResponseWriter.CHUNK, left);
                ByteBuf buf = ex.ctx.alloc().buffer(want);
                int n;
                try {
                    n = buf.writeBytes(in, want);
                } catch (IOException | RuntimeException e) {
                    buf.release();
                    throw e;
                }
                if (n < 0) {
                    buf.release();
                    throw new IOException("content ended " + left + " bytes early");
                }
                left -= n;
                sentThisTurn += n;
                metrics.sent(n);
                ex.ctx.writeAndFlush(new DefaultHttpContent(buf));
            }
            closeContent();
            ex.ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f ->
                    handler.exchangeDone(ex.ctx, ex, closeAfter || !f.isSuccess()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("download {} {} cut: {}", ex.requestId, ex.path, e.toString());
            abort();
        }
    }

    /** From the gate (event loop): the client read; continue on a worker. */
    private void requeue() {
        try {
            workers.execute(this);
        } catch (RejectedExecutionException e) {
            // Every worker busy and the queue full: the node is overloaded; give up on this one.
            LOG.warn("download {} {} cut: no worker free to continue it", ex.requestId, ex.path);
            abort();
        }
    }

    /** Yields the thread to queued work; false when the queue is full and this turn goes on. */
    private boolean requeueOrContinue() {
        try {
            workers.execute(this);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Ends the download early: the connection (or stream) is closed, the exchange finished. */
    private void abort() {
        closeContent();
        handler.dispatcher().completed(ex);
        ex.ctx.close();
    }

    private void closeContent() {
        if (closed.compareAndSet(false, true)) {
            try {
                content.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing download {}: {}", ex.requestId, e.toString());
            }
        }
    }
}
