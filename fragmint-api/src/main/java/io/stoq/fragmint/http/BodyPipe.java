package io.stoq.fragmint.http;

import io.netty.buffer.ByteBuf;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.BodyAbortedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Carries one request body from the event loop (producer) to one worker thread (consumer) with
 * bounded memory. The producer hands over each received {@link ByteBuf} (the pipe then owns and
 * releases it); when more than {@link #HIGH_WATER} bytes wait, {@link #offer} tells the caller to
 * stop reading from the network, and once the consumer has drained below {@link #LOW_WATER} the
 * {@code resume} callback turns reading back on. So a slow service slows the client down (TCP
 * window, HTTP/2 and QUIC flow control) instead of filling the heap.
 *
 * <pre>
 *   OPEN --end()--> ENDED (read returns -1 when drained)
 *     \--abort()--> FAILED (read throws BodyAbortedException; queued buffers released)
 * </pre>
 *
 * <p>A consumer waiting for bytes is bounded two ways: a body that brings nothing for the stall
 * timeout fails, and (once {@link #minRate} is set) so does one that brings fewer than the
 * minimum bytes in any whole window of the minimum rate. The window is fixed, not restarted by
 * each byte, so a client trickling one byte at a time cannot keep a worker waiting; time the pipe
 * spends paused (the consumer was slow, not the client) is not held against the client.
 *
 * <p>Thread-safety: all state is guarded by {@code lock}; {@link #offer}, {@link #end} and
 * {@link #abort} are called on the event loop, {@link #stream()} reads on the worker.
 */
final class BodyPipe {
    static final int HIGH_WATER = 1 << 20;
    static final int LOW_WATER = 256 << 10;
    /**
     * Bytes queued that wake a waiting consumer at once; less waits for {@link #readComplete()}
     * (the end of the event loop's read batch), so a body arriving in many small pieces (HTTP/3
     * hands over a packet or two at a time) costs one wake-up per batch, not one per piece.
     */
    static final int WAKE_BYTES = 64 << 10;
    /** Longest a waiting consumer sleeps without a signal: the backstop should a batch end go unseen. */
    static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private final Runnable resume;
    private final OptionalLong declaredLength;
    private final long readTimeoutNanos;
    private long limit;
    private long highWater = HIGH_WATER;
    private ApiServerConfig.MinRate minRate;
    private Runnable onTooSlow = () -> { };
    private long windowStart = System.nanoTime();
    private long windowStartReceived;
    private Runnable whenDone;
    private long buffered;
    private long received;
    private long consumed;
    private boolean ended;
    private boolean paused;
    private boolean unsignalled; // bytes queued since the consumer was last woken
    private BodyAbortedException failure;

    BodyPipe(OptionalLong declaredLength, long limit, Runnable resume, java.time.Duration readTimeout) {
        this.declaredLength = declaredLength;
        this.limit = limit;
        this.resume = resume;
        this.readTimeoutNanos = readTimeout.toNanos();
    }

    /** Sets the byte limit (known only once the route is matched); fails now if already exceeded. */
    void limit(long newLimit) {
        lock.lock();
        try {
            this.limit = newLimit;
            if (received > limit) {
                failLocked(ApiError.PAYLOAD_TOO_LARGE, "request body exceeds the limit of " + limit + " bytes");
            }
        } finally {
            lock.unlock();
        }
        fireDoneIfFinished();
    }

    /**
     * Requires at least {@code rate.bytes()} in every window of {@code rate.per()} while the
     * consumer waits; {@code onTooSlow} runs (under the pipe's lock, so it must only count) when a
     * body is cut for it.
     */
    void minRate(ApiServerConfig.MinRate rate, Runnable onTooSlow) {
        lock.lock();
        try {
            this.minRate = rate;
            this.onTooSlow = onTooSlow;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Never asks the producer to pause: the whole body (at most the limit) is buffered, for a
     * request that is handed to a worker only once its body is complete.
     */
    void bufferWhole() {
        lock.lock();
        try {
            highWater = Long.MAX_VALUE;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code action} once, when the body has ended or failed (straight away if it already
     * has). It runs on the thread that ended the body (the event loop) and must not block.
     */
    void whenDone(Runnable action) {
        boolean now;
        lock.lock();
        try {
            now = ended || failure != null;
            if (!now) {
                whenDone = action;
            }
        } finally {
            lock.unlock();
        }
        if (now) {
            action.run();
        }
    }

    /** Runs the done-action (outside the lock) once the body has ended or failed. */
    private void fireDoneIfFinished() {
        Runnable r = null;
        lock.lock();
        try {
            if (whenDone != null && (ended || failure != null)) {
                r = whenDone;
                whenDone = null;
            }
        } finally {
            lock.unlock();
        }
        if (r != null) {
            r.run();
        }
    }

    /**
     * Takes ownership of {@code buf}. Returns true when the producer should pause reading.
     */
    boolean offer(ByteBuf buf) {
        try {
            return offerBuffer(buf);
        } finally {
            fireDoneIfFinished();
        }
    }

    private boolean offerBuffer(ByteBuf buf) {
        lock.lock();
        try {
            if (failure != null || ended) {
                buf.release();
                return false;
            }
            int n = buf.readableBytes();
            received += n;
            if (received > limit) {
                buf.release();
                failLocked(ApiError.PAYLOAD_TOO_LARGE, "request body exceeds the limit of " + limit + " bytes");
                return false;
            }
            if (declaredLength.isPresent() && received > declaredLength.getAsLong()) {
                buf.release();
                failLocked(ApiError.BAD_REQUEST, "request body longer than its Content-Length");
                return false;
            }
            if (n == 0) {
                buf.release();
                return false;
            }
            queue.add(buf);
            buffered += n;
            if (buffered >= WAKE_BYTES) {
                unsignalled = false;
                changed.signalAll();
            } else {
                unsignalled = true;
            }
            if (buffered >= highWater) {
                paused = true;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The event loop finished a read batch: wakes the consumer for what the batch queued (see
     * {@link #WAKE_BYTES}). Called on the event loop.
     */
    void readComplete() {
        lock.lock();
        try {
            if (unsignalled) {
                unsignalled = false;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The body is complete. Fails instead when fewer bytes came than Content-Length declared. */
    void end() {
        lock.lock();
        try {
            if (failure != null || ended) {
                return;
            }
            if (declaredLength.isPresent() && received < declaredLength.getAsLong()) {
                failLocked(ApiError.TRUNCATED_BODY, "request body ended after " + received + " of "
                        + declaredLength.getAsLong() + " declared bytes");
                return;
            }
            ended = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        fireDoneIfFinished();
    }

    /** The body will never complete (client gone, decoder error). Releases everything queued. */
    void abort(ApiError reason, String message) {
        lock.lock();
        try {
            if (!ended && failure == null) {
                failLocked(reason, message);
            }
        } finally {
            lock.unlock();
        }
        fireDoneIfFinished();
    }

    /**
     * Releases whatever is still queued once the exchange is over (the handler may have answered
     * without reading the body). Later reads fail.
     */
    void discard() {
        lock.lock();
        try {
            if (failure == null) {
                failLocked(ApiError.TRUNCATED_BODY, "request already answered");
            } else {
                failLocked(failure.reason(), failure.getMessage());
            }
        } finally {
            lock.unlock();
        }
        fireDoneIfFinished();
    }

    /** True once every byte of a complete body has arrived (it may not all be consumed yet). */
    boolean isComplete() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /** The abort reason, or null. */
    BodyAbortedException failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    long received() {
        lock.lock();
        try {
            return received;
        } finally {
            lock.unlock();
        }
    }

    private void failLocked(ApiError reason, String message) {
        failure = new BodyAbortedException(reason, message);
        ByteBuf b;
        while ((b = queue.poll()) != null) {
            b.release();
        }
        buffered = 0;
        changed.signalAll();
    }

    /**
     * Waits (holding {@code lock}) until data, the end or a failure is there, failing the body
     * when it stalls or falls below the minimum rate.
     */
    private void awaitData() throws InterruptedIOException {
        long stallDeadline = System.nanoTime() + readTimeoutNanos;
        while (queue.isEmpty() && failure == null && !ended) {
            long now = System.nanoTime();
            long wait = stallDeadline - now;
            if (minRate != null) {
                long windowEnd = windowStart + minRate.per().toNanos();
                if (now - windowEnd >= 0) {
                    long got = received - windowStartReceived;
                    if (got < minRate.bytes().bytes()) {
                        onTooSlow.run();
                        failLocked(ApiError.TRUNCATED_BODY, "request body too slow: " + got + " bytes in "
                                + ApiServerConfig.Checks.format(minRate.per()) + ", at least " + minRate
                                + " required");
                        return;
                    }
                    windowStart = now;
                    windowStartReceived = received;
                    continue;
                }
                wait = Math.min(wait, windowEnd - now);
            }
            if (stallDeadline - now <= 0) {
                failLocked(ApiError.TRUNCATED_BODY, "request body stalled: no data for "
                        + TimeUnit.NANOSECONDS.toSeconds(readTimeoutNanos) + " s");
                return;
            }
            try {
                changed.awaitNanos(Math.min(wait, POLL_NANOS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading request body");
            }
        }
    }

    /** The consumer's view; one stream per pipe, used by one worker thread. */
    InputStream stream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] dst, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, dst.length);
                if (len == 0) {
                    return 0;
                }
                boolean wake = false;
                int n;
                lock.lock();
                try {
                    awaitData();
                    if (failure != null) {
                        throw failure;
                    }
                    if (queue.isEmpty()) {
                        return -1;
                    }
                    ByteBuf head = queue.peek();
                    n = Math.min(len, head.readableBytes());
                    head.readBytes(dst, off, n);
                    if (!head.isReadable()) {
                        queue.poll().release();
                    }
                    buffered -= n;
                    consumed += n;
                    if (paused && buffered < LOW_WATER) {
                        paused = false;
                        wake = true;
                        // The client was held back by us; its rate window starts afresh.
                        windowStart = System.nanoTime();
                        windowStartReceived = received;
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
            public int available() {
                lock.lock();
                try {
                    return (int) Math.min(Integer.MAX_VALUE, buffered);
                } finally {
                    lock.unlock();
                }
            }
        };
    }
}
