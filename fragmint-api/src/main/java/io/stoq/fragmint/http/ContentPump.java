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
 * <p><b>When it may write.</b> The pump counts the bytes it handed to the channel whose write has
 * not completed yet ({@link #unconfirmed}: queued in the event loop, in Netty's outbound buffer,
 * or, on a QUIC stream, in the stream's pending-write queue) and writes while they are below
 * {@link Pipelines#WATER_MARK}'s high mark, resuming below its low mark. On TCP (HTTP/1.1, HTTP/2)
 * it also obeys the channel's writability, which there means the same water marks. A QUIC
 * stream's writability means something else: "quiche can take more bytes right now", which quiche
 * limits to the congestion window's free space, so it flips off after nearly every write and on
 * again at nearly every ACK. Gated on it (before issue 11's {@code h3mem} work), a download kept
 * about one chunk queued ahead of quiche and handed its turn back to a worker at nearly every ACK,
 * and it bounded nothing: the stream has no outbound buffer, and writes still in flight to the
 * event loop were counted nowhere, so a client that stopped reading made the node hold 3-5 MiB
 * past its flow-control window ({@code Http3DownloadQueueTest}). With the count, at most the high
 * mark plus one chunk waits in the node's memory ahead of the transport.
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
    /** Bytes written to the channel whose write promise has not completed. */
    private final WriteBacklog unconfirmed = WriteBacklog.ofWaterMark();
    /** Whether the channel's writability means the outbound water marks (TCP) or quiche's momentary capacity (QUIC). */
    private final boolean channelWritabilityCounts;
    private long left;
    /**
     * The chunk read from the content before it is copied into a (direct) buffer, reused by every
     * turn: {@code ByteBuf.writeBytes(InputStream, n)} on a direct buffer allocates a fresh n-byte
     * array per call, one byte of garbage per byte downloaded. Turns never overlap, so no lock.
     */
    private byte[] staging;

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
        this.channelWritabilityCounts = ex.protocol != HttpExchange.Protocol.H3;
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
                if (!mayWrite(ch)) {
                    handler.gate().park(ch, () -> mayResume(ch), writeStall, this::requeue, this::abort, metrics::writeStall);
                    return;
                }
                if (sentThisTurn >= TURN_BYTES) {
                    if (requeueOrContinue()) {
                        return;
                    }
                    sentThisTurn = 0;
                }
                int want = (int) Math.min(ResponseWriter.CHUNK, left);
                if (staging == null) {
                    staging = new byte[ResponseWriter.CHUNK];
                }
                int n = in.read(staging, 0, want);
                if (n < 0) {
                    throw new IOException("content ended " + left + " bytes early");
                }
                ByteBuf buf = ex.ctx.alloc().buffer(n);
                buf.writeBytes(staging, 0, n);
                left -= n;
                sentThisTurn += n;
                metrics.sent(n);
                unconfirmed.written(n);
                ex.ctx.writeAndFlush(new DefaultHttpContent(buf)).addListener(f -> confirmed(n));
            }
            closeContent();
            ex.ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f ->
                    handler.exchangeDone(ex.ctx, ex, closeAfter || !f.isSuccess()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("download {} {} cut: {}", ex.requestId, ex.path, e.toString());
            abort();
        }
    }

    /** Below the high water mark (and, on TCP, writable): this turn may write another chunk. */
    private boolean mayWrite(Channel ch) {
        return unconfirmed.belowHigh() && (!channelWritabilityCounts || ch.isWritable());
    }

    /** Drained to the low water mark (and, on TCP, writable): a parked pump may go on. */
    private boolean mayResume(Channel ch) {
        return unconfirmed.drained() && (!channelWritabilityCounts || ch.isWritable());
    }

    /**
     * On the event loop, when a chunk's write completed (taken by the transport, or failed): when
     * that brings the count down to the low mark, a parked turn may resume.
     */
    private void confirmed(int n) {
        if (unconfirmed.taken(n)) {
            handler.gate().signal();
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
