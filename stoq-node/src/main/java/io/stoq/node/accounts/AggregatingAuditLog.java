package io.stoq.node.accounts;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's {@link AuditLog} as the API sees it: decisions about authenticated callers go
 * straight to the durable {@link RocksAuditLog}, one synced record each; denials without a valid
 * credential ({@link AuditRecord#unauthenticated()}) are only counted in memory, one bucket per
 * source address, minute and outcome, and written as one record with {@link AuditRecord#count()}
 * when the minute has closed ({@link #flushClosed}, called every few seconds by
 * {@link NodeAccounts}) or when the node shuts down.
 *
 * <p>Why: every unauthenticated request used to cost a synced write, so anyone could make the node
 * spend disk and fsyncs without a key. Now a flood costs one record per source and minute.
 *
 * <p>Memory is bounded: at most {@code maxSources} buckets with their own address are open at a
 * time; a denial from any further address is counted in the minute's {@value #OTHER} bucket (one
 * per outcome), so a flood of distinct or spoofed sources cannot grow the heap. What is lost in a
 * crash: at most the counts of the open minute (an acknowledged authenticated decision never is).
 *
 * <p>Thread-safe: the buckets are guarded by this object's monitor; writes to the journal happen
 * outside it.
 */
public final class AggregatingAuditLog implements AuditLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregatingAuditLog.class);
    /** Source of the bucket that counts the addresses beyond the cap. */
    public static final String OTHER = "other";

    private record Bucket(String source, long minute, AuditRecord.Outcome outcome) {
        boolean other() {
            return OTHER.equals(source);
        }
    }

    private final RocksAuditLog journal;
    private final int maxSources;
    private final Map<Bucket, AuditRecord> open = new LinkedHashMap<>(); // guarded by this
    private int sourceBuckets; // guarded by this: open buckets that are not OTHER
    private boolean closed; // guarded by this

    /**
     * @param journal the durable log (owned by the caller, closed after this)
     * @param maxSources most open buckets with their own source address (at least 1)
     */
    public AggregatingAuditLog(RocksAuditLog journal, int maxSources) {
        if (maxSources < 1) {
            throw new IllegalArgumentException("maxSources must be at least 1: " + maxSources);
        }
        this.journal = Objects.requireNonNull(journal, "journal");
        this.maxSources = maxSources;
    }

    /**
     * Writes an authenticated decision durably (returns it with its sequence number), or counts an
     * unauthenticated denial in its bucket (returns it with sequence number 0).
     */
    @Override
    public AuditRecord append(AuditRecord record) throws ApiException {
        if (!record.unauthenticated()) {
            return journal.append(record);
        }
        synchronized (this) {
            if (closed) {
                throw new ApiException(ApiError.UNAVAILABLE, "audit log is closed");
            }
            long minute = Math.floorDiv(record.at().getEpochSecond(), 60);
            String source = record.remote() == null ? "unknown" : record.remote();
            Bucket b = new Bucket(source, minute, record.outcome());
            AuditRecord counted = open.get(b);
            if (counted == null && sourceBuckets >= maxSources) {
                b = new Bucket(OTHER, minute, record.outcome());
                counted = open.get(b);
            }
            if (counted == null) {
                open.put(b, new AuditRecord(0, Instant.ofEpochSecond(minute * 60), record.actor(), null,
                        record.operation(), record.method(), record.path(), record.outcome(), record.status(),
                        b.source(), 1));
                if (!b.other()) {
                    sourceBuckets++;
                }
            } else {
                open.put(b, counted.withCount(counted.count() + 1));
            }
        }
        return record.withSeq(0);
    }

    /** Records of the closed minutes (and the open one) are read from the journal; see the class comment. */
    @Override
    public Page<AuditRecord> query(Query query, PageRequest page) throws ApiException {
        return journal.query(query, page);
    }

    /** Writes the buckets of every minute that ended before {@code now}; returns how many records. */
    public int flushClosed(Instant now) {
        long current = Math.floorDiv(now.getEpochSecond(), 60);
        return write(take(b -> b.minute() < current));
    }

    /** How many buckets are open (for tests and metrics). */
    public synchronized int openBuckets() {
        return open.size();
    }

    /** Writes every open bucket; later unauthenticated denials are refused. Does not close the journal. */
    @Override
    public void close() {
        List<AuditRecord> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = take(b -> true);
        }
        write(all);
    }

    private synchronized List<AuditRecord> take(java.util.function.Predicate<Bucket> which) {
        List<AuditRecord> out = new ArrayList<>();
        for (Iterator<Map.Entry<Bucket, AuditRecord>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Bucket, AuditRecord> e = it.next();
            if (which.test(e.getKey())) {
                out.add(e.getValue());
                if (!e.getKey().other()) {
                    sourceBuckets--;
                }
                it.remove();
            }
        }
        return out;
    }

    private int write(List<AuditRecord> records) {
        int written = 0;
        for (AuditRecord r : records) {
            try {
                journal.append(r);
                written++;
            } catch (ApiException | RuntimeException e) {
                // dropped, not kept: keeping them would let a failing disk grow the heap
                LOG.error("audit aggregate of {} denials from {} at {} could not be written: {}", r.count(),
                        r.remote(), r.at(), e.toString());
            }
        }
        return written;
    }
}
