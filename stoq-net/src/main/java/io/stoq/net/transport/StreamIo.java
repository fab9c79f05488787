package io.stoq.net.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetIoException;
import io.stoq.net.PeerMetrics;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.FrameViolation;
import io.stoq.net.frame.Payloads;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bridges one QUIC stream (its event loop) to one blocking thread (a worker running a handler,
 * or a caller waiting for a reply), with bounded memory both ways:
 *
 * <ul>
 *   <li>in: decoded frames queue here; past {@link #READ_HIGH} buffered bytes the stream stops
 *       reading, so QUIC flow control holds the sender back until the consumer drains below
 *       {@link #READ_LOW};
 *   <li>out: {@link #send} blocks while more than {@link #WRITE_HIGH} bytes are written but not
 *       yet taken by QUIC (its stream and connection windows), so a slow reader slows the writer.
 * </ul>
 *
 * Every wait is bounded by the request timeout: a peer that stops making progress gets a TIMEOUT.
 *
 * <pre>
 *   OPEN --(peer FIN)--> INPUT_ENDED        next() returns what is queued, then CLOSED
 *     \--(violation, reset, close, local fail)--> FAILED (next()/send() throw the failure)
 * </pre>
 *
 * <p>Thread-safety: state is guarded by {@code lock}; the handler methods run on the event loop,
 * {@link #next}, {@link #send}, {@link #finish} and {@link #fail} on the consumer thread.
 * Frames taken with {@link #next} belong to the caller, who releases them.
 */
public final class StreamIo extends ChannelInboundHandlerAdapter {
    static final int READ_HIGH = 1 << 20;
    static final int READ_LOW = 256 << 10;
    static final int WRITE_HIGH = 512 << 10;

    private final QuicStreamChannel channel;
    private final long timeoutNanos;
    private final PeerMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Frame> queue = new ArrayDeque<>();
    private long buffered;
    private long pendingWrite;
    private boolean inputEnded;
    private boolean finished;
    private boolean discarding;
    private NetIoException failure;
    private NetIoException peerError;
    private volatile ChannelFuture lastWrite;

    public StreamIo(QuicStreamChannel channel, Duration timeout, PeerMetrics metrics) {
        this.channel = channel;
        this.timeoutNanos = timeout.toNanos();
        this.metrics = metrics;
    }

    public QuicStreamChannel channel() {
        return channel;
    }

    // ---- event loop side ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FrameViolation violation) {
            fail(violation.code(), violation.message());
            return;
        }
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lock.lock();
        try {
            if (discarding) {
                frame.release();
                return;
            }
            queue.add(frame);
            buffered += frame.length();
            if (frame.type() == FrameType.ERROR && peerError == null) {
                // The peer gave up on the exchange: a writer blocked on its window must stop now.
                NetException e = Payloads.parseError(frame);
                peerError = new NetIoException(e.code(), e.getMessage());
            }
            if (buffered > READ_HIGH) {
                channel.config().setAutoRead(false);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            lock.lock();
            try {
                inputEnded = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        lock.lock();
        try {
            if (failure == null && !(finished && inputEnded)) {
                failure = new NetIoException(NetErrorCode.CLOSED, "the stream was closed before the exchange finished");
            }
            inputEnded = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset stream or a failed read: nothing more can be exchanged on it.
        failWith(new NetIoException(NetErrorCode.CLOSED, "the stream failed: " + cause.getMessage()));
        ctx.close();
    }

    // ---- consumer side ----

    /** The next frame, waiting up to the request timeout. */
    public Frame next() throws NetIoException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (queue.isEmpty()) {
                if (failure != null) {
                    throw failure;
                }
                if (inputEnded) {
                    throw new NetIoException(NetErrorCode.CLOSED, "the peer ended the stream before the exchange finished");
                }
                if (left <= 0) {
                    throw timedOut("waiting for the peer");
                }
                left = changed.awaitNanos(left);
            }
            Frame frame = queue.poll();
            buffered -= frame.length();
            if (buffered < READ_LOW && !channel.config().isAutoRead()) {
                channel.config().setAutoRead(true);
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetIoException(NetErrorCode.CLOSED, "interrupted while waiting for the peer");
        } finally {
            lock.unlock();
        }
    }

    /**
     * A frame already received or arriving within a short grace period, even after this stream
     * failed on our side (to read the ERROR that explains a refused write); null if none.
     */
    public Frame poll() {
        lock.lock();
        try {
            long left = TimeUnit.MILLISECONDS.toNanos(500);
            while (queue.isEmpty() && !inputEnded && !discarding && left > 0) {
                left = changed.awaitNanos(left);
            }
            Frame frame = queue.poll();
            if (frame != null) {
                buffered -= frame.length();
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code frame} (taking ownership), waiting up to the request timeout for room. */
    public void send(Frame frame) throws NetIoException {
        int length = frame.length() + Frame.HEADER_BYTES;
        lock.lock();
        try {
            long left = timeoutNanos;
            while (failure == null && peerError == null && pendingWrite > WRITE_HIGH) {
                if (left <= 0) {
                    frame.release();
                    throw timedOut("waiting for the peer to take data");
                }
                left = changed.awaitNanos(left);
            }
            if (failure != null || peerError != null) {
                frame.release();
                throw failure != null ? failure : peerError;
            }
            pendingWrite += length;
        } catch (InterruptedException e) {
            frame.release();
            Thread.currentThread().interrupt();
            throw new NetIoException(NetErrorCode.CLOSED, "interrupted while sending");
        } finally {
            lock.unlock();
        }
        ChannelFuture write = channel.writeAndFlush(frame);
        lastWrite = write;
        write.addListener(f -> {
            lock.lock();
            try {
                pendingWrite -= length;
                if (!f.isSuccess() && failure == null) {
                    failure = new NetIoException(NetErrorCode.CLOSED, "the peer stopped the stream");
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        });
    }

    /** Ends this side of the stream (QUIC FIN) once everything sent so far has been taken by QUIC. */
    public void finish() {
        lock.lock();
        try {
            finished = true;
        } finally {
            lock.unlock();
        }
        // shutdownOutput before queued writes drain would drop them: chain it after the last one.
        ChannelFuture last = lastWrite;
        if (last == null) {
            channel.shutdownOutput();
        } else {
            last.addListener(f -> channel.shutdownOutput());
        }
    }

    /**
     * Refuses the exchange: sends an ERROR frame with {@code code}, ends the stream and fails any
     * later {@link #next} or {@link #send} here with the same code. Safe from any thread, once.
     */
    public void fail(NetErrorCode code, String message) {
        if (!failWith(new NetIoException(code, message))) {
            return;
        }
        metrics.streamError(code);
        // ERROR, then STOP_SENDING (so a writer on the other side is released at once), then close.
        channel.writeAndFlush(Payloads.error(code, message)).addListener(f -> channel.shutdownInput().addListener(g -> channel.close()));
    }

    /**
     * The consumer will read no more: frames queued or still arriving are released as they come
     * (the stream itself ends normally, by both FINs).
     */
    public void doneReading() {
        lock.lock();
        try {
            discarding = true;
            Frame f;
            while ((f = queue.poll()) != null) {
                f.release();
            }
            buffered = 0;
            if (!channel.config().isAutoRead()) {
                channel.config().setAutoRead(true);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Drops the stream without another frame (the caller lost interest or the connection is going). */
    public void abort() {
        failWith(new NetIoException(NetErrorCode.CLOSED, "the exchange was abandoned"));
        channel.close();
    }

    /**
     * Records {@code cause} unless a failure is already recorded (true if it was the first), and in
     * either case stops queueing: the stream may have failed first on the event loop (closed, or a
     * write refused) while frames such as the peer's ERROR kept arriving, and those must be freed
     * now, since nobody will read them.
     */
    private boolean failWith(NetIoException cause) {
        lock.lock();
        try {
            boolean first = failure == null;
            if (first) {
                failure = cause;
            }
            discarding = true;
            Frame f;
            while ((f = queue.poll()) != null) {
                f.release();
            }
            buffered = 0;
            changed.signalAll();
            return first;
        } finally {
            lock.unlock();
        }
    }

    /** Frames received and not yet taken or freed (for tests). */
    int queuedFrames() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private NetIoException timedOut(String what) {
        NetIoException e = new NetIoException(NetErrorCode.TIMEOUT,
                "no progress for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms " + what);
        // Tell the peer too, then give the stream up (the lock is reentrant); the caller sees the timeout.
        fail(NetErrorCode.TIMEOUT, e.getMessage());
        return e;
    }
}
