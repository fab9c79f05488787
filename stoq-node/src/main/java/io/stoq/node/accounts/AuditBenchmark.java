package io.stoq.node.accounts;

import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.accounts.NodeDb.Cf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Audit append throughput: {@link RocksAuditLog#append} (group commit) against a baseline in the
 * same run, one synced RocksDB put per record from the same number of threads (what an append
 * would cost without the writer thread). Both write the same encoded record to fresh databases.
 */
public final class AuditBenchmark {
    private AuditBenchmark() {}

    /**
     * One measurement.
     *
     * @param threads concurrent appenders
     * @param records records per side
     * @param groupCommit time for the group-commit audit log
     * @param baseline time for one synced put per record
     */
    public record Result(int threads, int records, Duration groupCommit, Duration baseline) {
        public double groupCommitPerSecond() {
            return records / (groupCommit.toNanos() / 1e9);
        }

        public double baselinePerSecond() {
            return records / (baseline.toNanos() / 1e9);
        }

        /** group-commit appends/s over baseline appends/s. */
        public double ratio() {
            return groupCommitPerSecond() / baselinePerSecond();
        }
    }

    /** Runs both sides in fresh subdirectories of {@code dir} (must be empty or absent). */
    public static Result run(Path dir, int threads, int records) throws NodeException {
        AuditRecord sample = new AuditRecord(0, Instant.now(), "bench-user", "0123456789abcdef", "getAssetContent",
                "GET", "/v1/assets/abcdefghijklmnop/content", AuditRecord.Outcome.ALLOWED, 200, "127.0.0.1");
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create " + dir + ": " + e.getMessage(), e);
        }
        Duration group;
        try (NodeDb db = NodeDb.open(dir.resolve("group-commit")); RocksAuditLog log = new RocksAuditLog(db)) {
            group = timed(threads, records, () -> log.append(sample));
        }
        Duration base;
        byte[] value = Records.audit(sample);
        AtomicLong seq = new AtomicLong();
        try (NodeDb db = NodeDb.open(dir.resolve("baseline"))) {
            base = timed(threads, records, () -> {
                db.put(Cf.AUDIT, Records.longKey(seq.incrementAndGet()), value);
                return null;
            });
        }
        return new Result(threads, records, group, base);
    }

    private static Duration timed(int threads, int records, Callable<?> op) throws NodeException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int mine = records / threads + (t < records % threads ? 1 : 0);
                jobs.add(pool.submit(() -> {
                    for (int i = 0; i < mine; i++) {
                        op.call();
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
            return Duration.ofNanos(System.nanoTime() - start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeErrorCode.ILLEGAL_STATE, "interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            throw new NodeException(NodeErrorCode.IO_ERROR, "audit benchmark write failed: "
                    + (c instanceof ApiException ? c.getMessage() : String.valueOf(c)), c);
        } finally {
            pool.shutdownNow();
        }
    }
}
