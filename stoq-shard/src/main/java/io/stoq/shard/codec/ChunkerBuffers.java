package io.stoq.shard.codec;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The chunkers' read buffers, shared by every encode of a {@link CodecPool} and bounded in bytes.
 *
 * <p>Why a pool: each chunker needs a buffer of about {@code 2 x max chunk} (8 MiB with the node's
 * 4 MiB maximum). Allocated per upload, eight concurrent uploads in a 256 MiB heap held 64 MiB of
 * them, and each one is a large contiguous (humongous, for G1) allocation that a small heap may
 * fail to find room for even with enough free bytes in total; `NodeMemoryIT` ran out of memory
 * that way. Here buffers are reused, and together they never exceed the budget: an upload that
 * finds it spent waits for another to finish chunking (its request body stays unread meanwhile,
 * so the client is slowed by flow control, not the heap).
 *
 * <p>A buffer that is free but too small for a request is dropped to make room. Waiters are woken
 * together and re-check, so the order among them is not strictly FIFO. Thread-safe.
 */
final class ChunkerBuffers {
    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition returned = lock.newCondition();
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();
    /** Bytes of every buffer this pool made and has not dropped (free or lent). */
    private long allocated;

    /** @param capacity bytes all buffers together may hold; a single request larger than it is still served alone */
    ChunkerBuffers(long capacity) {
        this.capacity = capacity;
    }

    /** A buffer of at least {@code size} bytes; waits while the budget is lent out. Give it back with {@link #release}. */
    byte[] acquire(int size) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                byte[] reused = takeFree(size);
                if (reused != null) {
                    return reused;
                }
                while (allocated + size > capacity && !free.isEmpty()) {
                    allocated -= free.poll().length; // too small for this request: make room
                }
                if (allocated == 0 || allocated + size <= capacity) {
                    allocated += size;
                    return new byte[size];
                }
                returned.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Returns a buffer from {@link #acquire} for reuse. */
    void release(byte[] buffer) {
        lock.lock();
        try {
            free.push(buffer);
            returned.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes held by buffers right now, lent or free (for tests and metrics). */
    long allocatedBytes() {
        lock.lock();
        try {
            return allocated;
        } finally {
            lock.unlock();
        }
    }

    private byte[] takeFree(int size) {
        for (Iterator<byte[]> it = free.iterator(); it.hasNext(); ) {
            byte[] b = it.next();
            if (b.length >= size) {
                it.remove();
                return b;
            }
        }
        return null;
    }
}
