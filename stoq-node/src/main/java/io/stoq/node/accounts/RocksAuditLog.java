package io.stoq.node.accounts;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.node.accounts.NodeDb.Cf;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The durable, append-only {@link AuditLog} in the node's {@link NodeDb}, keyed by 8-byte
 * big-endian sequence number so iteration order is log order.
 *
 * <p>Group commit (BookKeeper's journal, in small): {@link #append} assigns the next sequence
 * number, queues the record and blocks until the one writer thread has put it in a synced
 * {@link WriteBatch} together with every other record queued meanwhile. One WAL fsync thus acks
 * many requests, so an append costs a queue hop under load instead of an fsync each, and no append
 * returns before its record is durable.
 *
 * <p>There is no update, and the only delete is {@link #prune}: retention drops the oldest records,
 * always a prefix of the log, so what remains is still gap-free from its first record on. Nothing
 * else writes {@link Cf#AUDIT}.
 *
 * <p>Threads: callers block in {@link #append}; the {@code stoq-audit-writer} thread owns the
 * batches. {@code nextSeq} is guarded by {@code queueLock} so sequence order equals queue order.
 */
public final class RocksAuditLog implements AuditLog, AutoCloseable {
    /** Most records one batch holds. */
    static final int MAX_BATCH = 4096;
    /** Most records one {@link #query} call examines, so a selective filter cannot scan forever. */
    static final int MAX_SCAN = 20_000;
    /** Most records one {@link #prune} call deletes. */
    static final int MAX_PRUNE = 100_000;

    private record Pending(AuditRecord record, CompletableFuture<Void> done) {}

    private final NodeDb db;
    private final Object queueLock = new Object();
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private long nextSeq;
    private volatile boolean closed;

    /** Uses {@code db} (owned by the caller, closed after this) and starts the writer thread. */
    public RocksAuditLog(NodeDb db) {
        this.db = Objects.requireNonNull(db, "db");
        this.nextSeq = lastSeq() + 1;
        this.writer = new Thread(this::writeLoop, "stoq-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    private long lastSeq() {
        try (RocksIterator it = db.iterator(Cf.AUDIT)) {
            it.seekToLast();
            return it.isValid() ? Records.longOf(it.key()) : 0;
        }
    }

    @Override
    public AuditRecord append(AuditRecord record) throws ApiException {
        Pending p;
        synchronized (queueLock) {
            if (closed) {
                throw new ApiException(ApiError.UNAVAILABLE, "audit log is closed");
            }
            p = new Pending(record.withSeq(nextSeq++), new CompletableFuture<>());
            queue.add(p);
        }
        try {
            p.done().get();
            return p.record();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ApiError.UNAVAILABLE, "interrupted while writing the audit log", e);
        } catch (ExecutionException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "audit log write failed", e.getCause());
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                if (closed && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            if (batch.get(batch.size() - 1).record() == null) {
                // poison pill from close(): everything before it still gets written
                batch.remove(batch.size() - 1);
                commit(batch);
                return;
            }
            commit(batch);
            batch.clear();
        }
    }

    private void commit(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try (WriteBatch wb = new WriteBatch()) {
            for (Pending p : batch) {
                wb.put(db.handle(Cf.AUDIT), Records.longKey(p.record().seq()), Records.audit(p.record()));
            }
            db.write(wb);
            batch.forEach(p -> p.done().complete(null));
        } catch (RocksDBException | RuntimeException e) {
            batch.forEach(p -> p.done().completeExceptionally(e));
        }
    }

    @Override
    public Page<AuditRecord> query(Query query, PageRequest page) throws ApiException {
        long after;
        try {
            after = page.cursor() == null ? 0 : Long.parseLong(page.cursor());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad audit cursor '" + page.cursor() + "'");
        }
        List<AuditRecord> out = new ArrayList<>();
        int scanned = 0;
        try (RocksIterator it = db.iterator(Cf.AUDIT)) {
            for (it.seek(Records.longKey(after + 1)); it.isValid(); it.next()) {
                AuditRecord r = Records.audit(it.value());
                if (++scanned > MAX_SCAN) {
                    // a short page that is not the last: the client continues from here
                    return new Page<>(out, Long.toString(r.seq() - 1));
                }
                if (query.matches(r)) {
                    if (out.size() == page.limit()) {
                        return new Page<>(out, Long.toString(out.get(out.size() - 1).seq()));
                    }
                    out.add(r);
                }
            }
            it.status();
        } catch (RocksDBException e) {
            throw RocksAccountStore.storageFailure(e);
        }
        return new Page<>(out, null);
    }

    /**
     * Retention: deletes the records at the head of the log whose time is before {@code before},
     * at most {@link #MAX_PRUNE} per call (call again while it returns that many), in one synced
     * range delete. Stops at the first record that is not older, so a late-written aggregate with
     * an older minute waits for the next pass instead of opening a gap. Returns how many records
     * were deleted.
     */
    public long prune(Instant before) throws ApiException {
        long first = -1;
        long last = -1;
        long count = 0;
        try (RocksIterator it = db.iterator(Cf.AUDIT)) {
            for (it.seekToFirst(); it.isValid() && count < MAX_PRUNE; it.next()) {
                AuditRecord r = Records.audit(it.value());
                if (!r.at().isBefore(before)) {
                    break;
                }
                if (first < 0) {
                    first = r.seq();
                }
                last = r.seq();
                count++;
            }
            it.status();
        } catch (RocksDBException e) {
            throw RocksAccountStore.storageFailure(e);
        }
        if (first < 0) {
            return 0;
        }
        try (WriteBatch wb = new WriteBatch()) {
            wb.deleteRange(db.handle(Cf.AUDIT), Records.longKey(first), Records.longKey(last + 1));
            db.write(wb);
        } catch (RocksDBException e) {
            throw RocksAccountStore.storageFailure(e);
        }
        return count;
    }

    /** Writes what is queued, then stops the writer; later appends fail with UNAVAILABLE. */
    @Override
    public void close() {
        synchronized (queueLock) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(new Pending(null, new CompletableFuture<>()));
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
