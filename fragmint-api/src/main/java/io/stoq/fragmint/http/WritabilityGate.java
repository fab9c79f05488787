package io.stoq.fragmint.http;

import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Lets a worker thread that streams a response wait until the channel can take more (the
 * outbound buffer fell below its low water mark), so a slow client slows the download instead of
 * growing the heap. Signalled from the event loop on writability changes and on close.
 */
final class WritabilityGate {
    private final Object monitor = new Object();

    void signal() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    /** Blocks until {@code ch} is writable; fails when it closes. */
    void awaitWritable(Channel ch) throws IOException {
        synchronized (monitor) {
            while (!ch.isWritable()) {
                if (!ch.isActive()) {
                    throw new IOException("client went away");
                }
                try {
                    monitor.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while streaming a response");
                }
            }
        }
        if (!ch.isActive()) {
            throw new IOException("client went away");
        }
    }
}
