package io.stoq.fragmint.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes a writer handed to a channel whose write has not completed yet, held against a low
 * and a high water mark: the writer goes on while the count is below the high mark and, once it
 * stopped there, resumes when the count is down to the low mark. It stands in for the writability
 * of a QUIC stream, which only says whether quiche has room this moment (see {@link ContentPump});
 * the node's downloads and the HTTP/3 client's uploads count the same way.
 *
 * <p>Thread-safe: any thread adds what it writes, the write listeners (on the event loop) take
 * away what completed.
 */
public final class WriteBacklog {
    private final long low;
    private final long high;
    private final AtomicLong bytes = new AtomicLong();

    /** A backlog that stops writers at {@code high} bytes and resumes them at {@code low}. */
    public WriteBacklog(long low, long high) {
        if (low < 0 || high <= low) {
            throw new IllegalArgumentException("water marks must be 0 <= low < high, got " + low + " and " + high);
        }
        this.low = low;
        this.high = high;
    }

    /** The API's own outbound water marks ({@link Pipelines#WATER_MARK}). */
    static WriteBacklog ofWaterMark() {
        return new WriteBacklog(Pipelines.WATER_MARK.low(), Pipelines.WATER_MARK.high());
    }

    /** {@code n} bytes were handed to the channel. */
    public void written(int n) {
        bytes.addAndGet(n);
    }

    /**
     * {@code n} bytes' write completed (taken by the transport, or failed); true when that brought
     * the count down to the low mark, so a writer waiting on it may be woken.
     */
    public boolean taken(int n) {
        long now = bytes.addAndGet(-n);
        return now <= low && now + n > low;
    }

    /** Below the high mark: a writer may hand over another chunk. */
    public boolean belowHigh() {
        return bytes.get() < high;
    }

    /** Down to the low mark: a writer that stopped at the high mark may go on. */
    public boolean drained() {
        return bytes.get() <= low;
    }
}
