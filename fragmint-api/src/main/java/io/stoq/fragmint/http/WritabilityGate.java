package io.stoq.fragmint.http;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Where a response stream waits for a slow client without holding a thread. A writer that finds
 * it may not write (its bytes not yet taken by the transport are above the high water mark) parks a
 * continuation here with the condition to resume on, and returns its worker thread to the pool;
 * when the condition holds again (the bytes drained below the low water mark) the continuation is
 * resumed. If it does not hold for the write-stall limit (the client does not read), the channel
 * is closed and the abort action runs; the same happens when the client goes away. The writer
 * names the condition because a channel's own writability does not mean the same on every
 * transport (see {@link ContentPump}).
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
    private record Parked(Channel channel, BooleanSupplier ready, Runnable resume, Runnable abort, Runnable onStall,
            ScheduledFuture<?> stallTimer) {}

    /**
     * From any thread: runs {@code resume} once {@code ready} holds (straight away when it already
     * does), or {@code abort} if {@code ch} closes or {@code ready} stays false for
     * {@code stallLimit} (then {@code onStall} runs first, to count it). {@code ready} is evaluated
     * on the event loop, at the park and at each {@link #signal}; all run there and must not block.
     */
    void park(Channel ch, BooleanSupplier ready, Duration stallLimit, Runnable resume, Runnable abort, Runnable onStall) {
        ch.eventLoop().execute(() -> {
            if (!ch.isActive()) {
                abort.run();
            } else if (ready.getAsBoolean()) {
                resume.run();
            } else {
                parked = new Parked(ch, ready, resume, abort, onStall,
                        ch.eventLoop().schedule(this::stalled, stallLimit.toNanos(), TimeUnit.NANOSECONDS));
            }
        });
    }

    /**
     * On the event loop: something the parked condition depends on changed (the channel's
     * writability, bytes taken by the transport) or the channel closed.
     */
    void signal() {
        Parked p = parked;
        if (p == null) {
            return;
        }
        if (!p.channel().isActive()) {
            unpark().abort().run();
        } else if (p.ready().getAsBoolean()) {
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
