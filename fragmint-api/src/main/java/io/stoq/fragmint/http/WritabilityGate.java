package io.stoq.fragmint.http;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Where a response stream waits for a slow client without holding a thread. A writer that finds
 * its channel unwritable (the outbound buffer is above its high water mark) parks a continuation
 * here and returns its worker thread to the pool; when the buffer drains below the low water mark
 * the continuation is resumed. If the channel stays unwritable for the write-stall limit (the
 * client does not read), the channel is closed and the abort action runs; the same happens when
 * the client goes away.
 *
 * <pre>
 *   IDLE --park()--> PARKED --writable--> IDLE (resume runs)
 *                       |---stall limit---> closed (abort runs)
 *                       `---channel gone--> IDLE (abort runs)
 * </pre>
 *
 * <p>One gate per {@link RequestHandler}, i.e. per connection (HTTP/1.1) or per stream (HTTP/2,
 * HTTP/3); at most one response streams at a time on each. All state is owned by the channel's
 * event loop: {@link #park} hops onto it, {@link #signal} is called on it.
 */
final class WritabilityGate {
    private Parked parked;

    /** A parked continuation. */
    private record Parked(Channel channel, Runnable resume, Runnable abort, Runnable onStall,
            ScheduledFuture<?> stallTimer) {}

    /**
     * From any thread: runs {@code resume} once {@code ch} is writable (straight away when it
     * already is), or {@code abort} if it closes or stays unwritable for {@code stallLimit} (then
     * {@code onStall} runs first, to count it). All run on the event loop and must not block.
     */
    void park(Channel ch, Duration stallLimit, Runnable resume, Runnable abort, Runnable onStall) {
        ch.eventLoop().execute(() -> {
            if (!ch.isActive()) {
                abort.run();
            } else if (ch.isWritable()) {
                resume.run();
            } else {
                parked = new Parked(ch, resume, abort, onStall,
                        ch.eventLoop().schedule(this::stalled, stallLimit.toNanos(), TimeUnit.NANOSECONDS));
            }
        });
    }

    /** On the event loop: writability changed or the channel closed. */
    void signal() {
        Parked p = parked;
        if (p == null) {
            return;
        }
        if (!p.channel().isActive()) {
            unpark().abort().run();
        } else if (p.channel().isWritable()) {
            unpark().resume().run();
        }
    }

    private void stalled() {
        Parked p = parked;
        if (p == null) {
            return;
        }
        parked = null;
        p.onStall().run();
        p.abort().run();
        p.channel().close();
    }

    private Parked unpark() {
        Parked p = parked;
        parked = null;
        p.stallTimer().cancel(false);
        return p;
    }
}
