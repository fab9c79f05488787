package io.stoq.node.accounts;

import io.stoq.crypto.ConstantTime;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.accounts.NodeDb.Cf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's account side in one AutoCloseable: opens {@code DATA/node-db}, loads (or on a fresh
 * data directory creates) {@code DATA/node/secrets.key}, and builds the durable
 * {@link RocksAccountStore} and {@link RocksAuditLog} over them, the {@link AggregatingAuditLog}
 * the API writes to, and one maintenance thread ({@code stoq-audit-maintenance}) that writes the
 * closed minutes' aggregates every {@link #FLUSH_INTERVAL} and prunes records older than the
 * retention every {@link #PRUNE_INTERVAL}. Close it after the API server has stopped: it stops
 * the thread, writes the open aggregates, drains the audit writer, then releases the database.
 *
 * <p>Why the fingerprint check here: the key file and the database live side by side but are
 * backed up or copied separately; a database whose key is missing or swapped is refused at start
 * with a one-line error rather than failing every TOTP check later.
 */
public final class NodeAccounts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAccounts.class);
    /** Database directory under the data directory. */
    public static final String DB_DIR = "node-db";
    /** How often the aggregates of closed minutes are written. */
    public static final Duration FLUSH_INTERVAL = Duration.ofSeconds(5);
    /** How often records past the retention are pruned (and once right after start). */
    public static final Duration PRUNE_INTERVAL = Duration.ofHours(1);
    private static final byte[] FINGERPRINT_KEY = "secrets.key.fingerprint".getBytes(StandardCharsets.US_ASCII);

    /**
     * Audit log settings (config keys {@code audit.retention} and {@code audit.max-sources}).
     *
     * @param retention records older than this are pruned
     * @param maxSources most source addresses whose unauthenticated denials get their own bucket per minute
     */
    public record AuditSettings(Duration retention, int maxSources) {
        public AuditSettings {
            Objects.requireNonNull(retention, "retention");
            if (retention.isNegative() || retention.isZero() || maxSources < 1) {
                throw new IllegalArgumentException("retention and maxSources must be positive");
            }
        }

        /** 90 days, 1024 sources. */
        public static AuditSettings defaults() {
            return new AuditSettings(Duration.ofDays(90), 1024);
        }
    }

    private final NodeDb db;
    private final RocksAccountStore accounts;
    private final RocksAuditLog journal;
    private final AggregatingAuditLog audit;
    private final AuditSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService maintenance;

    private NodeS3Keys s3Keys;
    private NodeMultipartUploads s3Uploads;

    private NodeAccounts(NodeDb db, RocksAccountStore accounts, RocksAuditLog journal, AuditSettings settings,
            Clock clock) {
        this.db = db;
        this.accounts = accounts;
        this.journal = journal;
        this.settings = settings;
        this.clock = clock;
        this.audit = new AggregatingAuditLog(journal, settings.maxSources());
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stoq-audit-maintenance");
            t.setDaemon(true);
            return t;
        });
        maintenance.scheduleWithFixedDelay(this::flushQuietly, FLUSH_INTERVAL.toMillis(), FLUSH_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        maintenance.scheduleWithFixedDelay(this::pruneQuietly, 0, PRUNE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Opens with the default audit settings. */
    public static NodeAccounts open(Path dataDir, Clock clock) throws NodeException {
        return open(dataDir, clock, AuditSettings.defaults());
    }

    /** Opens the account store and audit log of the node whose data directory is {@code dataDir}. */
    public static NodeAccounts open(Path dataDir, Clock clock, AuditSettings settings) throws NodeException {
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        NodeDb db = NodeDb.open(dataDir.resolve(DB_DIR));
        try {
            byte[] recorded = db.get(Cf.META, FINGERPRINT_KEY);
            SecretsKey key = SecretsKey.loadOrCreate(dataDir, recorded == null);
            byte[] actual = key.fingerprint();
            if (recorded == null) {
                db.put(Cf.META, FINGERPRINT_KEY, actual);
            } else if (!ConstantTime.equals(recorded, actual)) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, SecretsKey.path(dataDir)
                        + " is not the key this node database was created with; restore the original file");
            }
            NodeAccounts opened = new NodeAccounts(db, new RocksAccountStore(db, key, clock), new RocksAuditLog(db), settings, clock);
            opened.s3Keys = new NodeS3Keys(db, key, clock);
            opened.s3Uploads = new NodeMultipartUploads(db);
            return opened;
        } catch (RocksDBException e) {
            db.close();
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read node database: " + e.getMessage(), e);
        } catch (NodeException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The durable account store (the {@code AccountStore} port). */
    public RocksAccountStore accounts() {
        return accounts;
    }

    /** The account's S3 access keys, secrets sealed with the node's secrets key (the {@code S3KeyStore} port). */
    public NodeS3Keys s3Keys() {
        return s3Keys;
    }

    /** The S3 gateway's open multipart uploads (the {@code MultipartUploads} port), kept across restarts. */
    public NodeMultipartUploads s3Uploads() {
        return s3Uploads;
    }

    /** The audit log the API writes to (the {@code AuditLog} port): aggregating, over the durable one. */
    public AggregatingAuditLog audit() {
        return audit;
    }

    /** The durable audit log underneath (benchmarks and tests). */
    public RocksAuditLog journal() {
        return journal;
    }

    /** Writes the aggregates of the minutes closed by now; returns how many records. */
    public int flushAggregates() {
        return audit.flushClosed(clock.instant());
    }

    /** Deletes every audit record older than the retention; returns how many. */
    public long pruneExpired() throws ApiException {
        java.time.Instant cutoff = clock.instant().minus(settings.retention());
        long total = 0;
        long n;
        do {
            n = journal.prune(cutoff);
            total += n;
        } while (n == RocksAuditLog.MAX_PRUNE);
        return total;
    }

    private void flushQuietly() {
        try {
            flushAggregates();
        } catch (RuntimeException e) {
            LOG.error("writing audit aggregates failed: {}", e.toString());
        }
    }

    private void pruneQuietly() {
        try {
            long n = pruneExpired();
            if (n > 0) {
                LOG.info("audit retention ({}): pruned {} records", settings.retention(), n);
            }
        } catch (ApiException | RuntimeException e) {
            LOG.error("audit retention pruning failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        maintenance.shutdown(); // no interrupt: a write in progress finishes
        try {
            if (!maintenance.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("audit maintenance did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        audit.close();
        journal.close();
        db.close();
    }
}
