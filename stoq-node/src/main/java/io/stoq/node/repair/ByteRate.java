package io.stoq.node.repair;

/**
 * A byte budget per second shared by repair and audit traffic: each transfer reserves its bytes
 * and waits until the budget reaches them, so over any second the node moves at most about
 * {@code bytesPerSecond} repair bytes (one shard may run ahead by its own size). Thread-safe.
 */
final class ByteRate {
    private final long bytesPerSecond;
    /** Guarded by this: when the budget is free again, in System.nanoTime() terms. */
    private long freeAt = System.nanoTime();

    ByteRate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Waits until {@code bytes} fit in the budget. */
    void acquire(long bytes) throws InterruptedException {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            long start = Math.max(now, freeAt);
            freeAt = start + (long) (bytes * 1e9 / bytesPerSecond);
            wait = start - now;
        }
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
