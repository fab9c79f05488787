package io.stoq.fragmint.s3;

import io.netty.buffer.ByteBuf;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.BodyAbortedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One request body on its way from the event loop (producer) to the worker that handles the
 * request (consumer), with bounded memory: past {@link #HIGH_WATER} queued bytes the producer is
 * told to stop reading the socket, and once the consumer drains below {@link #LOW_WATER} reading
 * resumes (TCP flow control then slows the client). A body that brings nothing for the idle
 * timeout, or whose connection closes early, fails the reader with {@link BodyAbortedException}.
 *
 * <pre>
 *   OPEN --end()--> ENDED (read returns -1 once drained)
 *     \--abort()--> FAILED (read throws; queued buffers released)
 * </pre>
 *
 * <p>Thread-safety: state guarded by {@code lock}; offer/end/abort on the event loop, reads on the worker.
 */
final class S3Body extends InputStream {
    static final int HIGH_WATER = 1 << 20;
    static final int LOW_WATER = 256 << 10;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private final Runnable resume;
    private final long idleNanos;
    private final long limit;
    private long buffered;
    private long received;
    private boolean ended;
    private boolean paused;
    private String failure;

    S3Body(Runnable resume, Duration idle, long limit) {
        this.resume = resume;
        this.idleNanos = idle.toNanos();
        this.limit = limit;
    }

    /** Hands {@code buf} over (the body releases it); false when the caller should stop reading. */
    boolean offer(ByteBuf buf) {
        lock.lock();
        try {
            if (failure != null || ended) {
                buf.release();
                return true;
            }
            received += buf.readableBytes();
            if (received > limit) {
                buf.release();
                failLocked("the request body is over the limit of " + limit + " bytes");
                return true;
            }
            if (buf.isReadable()) {
                queue.add(buf);
                buffered += buf.readableBytes();
            } else {
                buf.release();
            }
            changed.signalAll();
            if (buffered > HIGH_WATER) {
                paused = true;
                return false;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    void end() {
        lock.lock();
        try {
            ended = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void abort(String why) {
        lock.lock();
        try {
            if (!ended) {
                failLocked(why);
            }
        } finally {
            lock.unlock();
        }
    }

    /** True once the last byte arrived and was read (the connection may carry the next request). */
    boolean drained() {
        lock.lock();
        try {
            return ended && queue.isEmpty() && failure == null;
        } finally {
            lock.unlock();
        }
    }

    private void failLocked(String why) {
        failure = why;
        ByteBuf b;
        while ((b = queue.poll()) != null) {
            b.release();
        }
        buffered = 0;
        changed.signalAll();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        boolean wake = false;
        int n;
        lock.lock();
        try {
            long deadline = System.nanoTime() + idleNanos;
            while (queue.isEmpty() && !ended && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    failLocked("the client sent no body bytes for " + Duration.ofNanos(idleNanos).toSeconds() + " s");
                    break;
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the request body");
                }
            }
            if (failure != null) {
                throw new BodyAbortedException(ApiError.TRUNCATED_BODY, failure);
            }
            if (queue.isEmpty()) {
                return -1;
            }
            ByteBuf head = queue.peek();
            n = Math.min(len, head.readableBytes());
            head.readBytes(b, off, n);
            buffered -= n;
            if (!head.isReadable()) {
                queue.poll().release();
            }
            if (paused && buffered < LOW_WATER) {
                paused = false;
                wake = true;
            }
        } finally {
            lock.unlock();
        }
        if (wake) {
            resume.run();
        }
        return n;
    }

    @Override
    public void close() {
        // the connection owns the body's lifetime; a handler closing its stream early changes nothing
    }
}
