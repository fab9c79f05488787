package io.stoq.node.accounts;

import io.stoq.crypto.keys.SecureFiles;
import io.stoq.ledger.store.RocksDurability;
import io.stoq.ledger.store.StoreDamageException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owner of every RocksDB native handle of the node-local database ({@code DATA/node-db}): the DB,
 * its options, one column family per record kind and the synced write options. Closing it releases
 * all of them in reverse order; nothing else in the node closes a RocksDB object.
 *
 * <p>Why one owner: RocksDB handles leak native memory when not closed and crash the JVM when used
 * after close; one AutoCloseable with a try-with-resources at the node's top keeps that in one place.
 * Every write here is synced (WAL fsynced before the call returns), so a returned write is durable.
 *
 * <p>Thread-safe: RocksDB handles are thread-safe; {@link #close()} must not race with use (the
 * node closes it after its services stopped).
 */
public final class NodeDb implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeDb.class);

    /** Column families, one per record kind. */
    public enum Cf {
        /** account id -> encoded {@code Account}. */
        ACCOUNTS("accounts"),
        /** key id -> encoded {@code StoredApiKey} (hash only). */
        API_KEYS("api-keys"),
        /** account id + 0x00 + key id -> empty: index of an account's keys. */
        ACCOUNT_KEYS("account-keys"),
        /** account id -> AES-GCM sealed TOTP secret (AAD = account id). */
        TOTP_SECRETS("totp-secrets"),
        /** account id -> last used TOTP counter, 8 bytes big-endian. */
        TOTP_COUNTERS("totp-counters"),
        /** 8-byte big-endian sequence number -> encoded {@code AuditRecord}. */
        AUDIT("audit"),
        /** small node facts, e.g. the fingerprint of secrets.key. */
        META("meta"),
        /** account id -> encoded {@code TotpAttempts}: counted TOTP attempts and lockout. */
        TOTP_ATTEMPTS("totp-attempts"),
        /** account id -> encoded {@code EnrollmentCode}: hash of the one-time TOTP enrollment code. */
        ENROLLMENT_CODES("enrollment-codes"),
        /** S3 access key id -> account id, created, revoked flag, AES-GCM sealed secret (AAD = "s3-key:" + key id). */
        S3_KEYS("s3-keys");

        final String cfName;

        Cf(String cfName) {
            this.cfName = cfName;
        }
    }

    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> allHandles;
    private final Map<Cf, ColumnFamilyHandle> handles = new EnumMap<>(Cf.class);
    private final WriteOptions syncWrite;
    private final boolean created;

    private NodeDb(DBOptions dbOptions, ColumnFamilyOptions cfOptions, RocksDB db,
            List<ColumnFamilyHandle> allHandles, boolean created) {
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.db = db;
        this.allHandles = allHandles;
        this.created = created;
        for (Cf cf : Cf.values()) {
            handles.put(cf, allHandles.get(cf.ordinal() + 1));
        }
        this.syncWrite = new WriteOptions().setSync(true);
    }

    /**
     * Opens (creating when absent) the database in {@code dir}, with the node's durability rules
     * ({@link RocksDurability}): a damaged log record or table stops the open with
     * {@link NodeErrorCode#CORRUPT_DATA} naming the file, never a silently shorter database; a
     * torn log tail left by a crash during an unacknowledged write is dropped and logged.
     */
    public static NodeDb open(Path dir) throws NodeException {
        RocksDB.loadLibrary();
        boolean created = !Files.exists(dir.resolve("CURRENT"));
        DBOptions dbOptions = RocksDurability.configure(new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxOpenFiles(256).setKeepLogFileNum(4));
        ColumnFamilyOptions cfOptions = RocksDurability.configure(new ColumnFamilyOptions());
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (Cf cf : Cf.values()) {
            descriptors.add(new ColumnFamilyDescriptor(cf.cfName.getBytes(java.nio.charset.StandardCharsets.UTF_8), cfOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db = null;
        String label = dir.toAbsolutePath().normalize().getFileName().toString();
        try {
            SecureFiles.createDirectoriesDurably(dir);
            RocksDurability.Opened opened = RocksDurability.open(dbOptions, dir, label, descriptors, handles, false);
            db = opened.db();
            opened.notes().forEach(note -> LOG.warn("{}", note));
            RocksDurability.verifyTables(db, dir, label);
            return new NodeDb(dbOptions, cfOptions, db, handles, created);
        } catch (StoreDamageException e) {
            release(handles, db, cfOptions, dbOptions);
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, e.getMessage() + "; " + atRisk(e), e);
        } catch (RocksDBException | java.io.IOException e) {
            release(handles, db, cfOptions, dbOptions);
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot open node database " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** What damage to this database puts at risk, in an operator's terms. */
    private static String atRisk(StoreDamageException e) {
        return switch (e.kind()) {
            case LOG_RECORD -> "account, API key, TOTP and audit changes written after that record cannot be proven intact";
            case TABLE -> "the account, key, TOTP or audit records stored in it cannot be proven intact";
            case OTHER -> "the node's accounts and audit log cannot be proven intact";
        } + "; the node will not start on it (restore " + (e.fileName() == null ? "the node database" : e.fileName())
                + " from a backup, see docs/operations.md)";
    }

    private static void release(List<ColumnFamilyHandle> handles, RocksDB db, ColumnFamilyOptions cfOptions, DBOptions dbOptions) {
        handles.forEach(ColumnFamilyHandle::close);
        if (db != null) {
            db.close();
        }
        cfOptions.close();
        dbOptions.close();
    }

    /** True when this open created the database (a fresh data directory). */
    public boolean created() {
        return created;
    }

    byte[] get(Cf cf, byte[] key) throws RocksDBException {
        return db.get(handles.get(cf), key);
    }

    void put(Cf cf, byte[] key, byte[] value) throws RocksDBException {
        db.put(handles.get(cf), syncWrite, key, value);
    }

    /** Writes the batch atomically and durably; the caller closes the batch. */
    void write(WriteBatch batch) throws RocksDBException {
        db.write(syncWrite, batch);
    }

    ColumnFamilyHandle handle(Cf cf) {
        return handles.get(cf);
    }

    /** A new iterator; the caller closes it (try-with-resources). */
    RocksIterator iterator(Cf cf) {
        return db.newIterator(handles.get(cf));
    }

    @Override
    public void close() {
        syncWrite.close();
        for (int i = allHandles.size() - 1; i >= 0; i--) {
            allHandles.get(i).close();
        }
        db.close();
        cfOptions.close();
        dbOptions.close();
    }
}
