package io.stoq.node.accounts;

import io.stoq.ledger.store.RocksDurability;
import io.stoq.ledger.store.StoreDamageException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.rocks.RocksStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Owner of the node-local database ({@code DATA/node-db}): its {@link RocksStore} (the DB, its
 * options, one column family per record kind) and the synced write options. Closing it releases
 * all of them in reverse order; nothing else in the node closes these RocksDB objects.
 *
 * <p>Why one owner: RocksDB handles leak native memory when not closed and crash the JVM when used
 * after close; one AutoCloseable with a try-with-resources at the node's top keeps that in one place.
 * Every write here is synced (WAL fsynced before the call returns), so a returned write is durable.
 *
 * <p>Thread-safe: RocksDB handles are thread-safe; {@link #close()} must not race with use (the
 * node closes it after its services stopped).
 */
public final class NodeDb implements AutoCloseable {
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
        S3_KEYS("s3-keys"),
        /** 'U' + upload id -> an open S3 multipart upload; 'P' + upload id + 0x00 + i32 part number -> one of its parts. */
        S3_UPLOADS("s3-uploads");

        final String cfName;

        Cf(String cfName) {
            this.cfName = cfName;
        }
    }

    private final RocksStore store;
    private final Map<Cf, ColumnFamilyHandle> handles = new EnumMap<>(Cf.class);
    private final WriteOptions syncWrite;
    private final boolean created;

    private NodeDb(RocksStore store, boolean created) {
        this.store = store;
        this.created = created;
        for (Cf cf : Cf.values()) {
            handles.put(cf, store.handle(cf.ordinal() + 1));
        }
        this.syncWrite = new WriteOptions().setSync(true);
    }

    /**
     * Opens (creating when absent) the database in {@code dir}, with the node's durability rules
     * ({@link RocksStore}): a damaged log record or table stops the open with
     * {@link NodeErrorCode#CORRUPT_DATA} naming the file, never a silently shorter database; a
     * torn log tail left by a crash during an unacknowledged write is dropped and logged.
     */
    public static NodeDb open(Path dir) throws NodeException {
        RocksDB.loadLibrary();
        boolean created = !Files.exists(dir.resolve("CURRENT"));
        DBOptions dbOptions = RocksDurability.configure(new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxOpenFiles(256).setKeepLogFileNum(4));
        ColumnFamilyOptions cfOptions = RocksDurability.configure(new ColumnFamilyOptions());
        List<String> names = Arrays.stream(Cf.values()).map(cf -> cf.cfName).toList();
        String label = dir.toAbsolutePath().normalize().getFileName().toString();
        return new NodeDb(RocksStore.open(dir, dbOptions, cfOptions, names,
                new RocksStore.Naming(label, "node database", NodeDb::atRisk)), created);
    }

    /** What damage to this database puts at risk, in an operator's terms. */
    private static String atRisk(StoreDamageException e) {
        return switch (e.kind()) {
            case LOG_RECORD -> "account, API key, TOTP and audit changes written after that record cannot be proven intact";
            case TABLE, BLOB_FILE -> "the account, key, TOTP or audit records stored in it cannot be proven intact";
            case OTHER -> "the node's accounts and audit log cannot be proven intact";
        } + "; the node will not start on it (restore " + (e.fileName() == null ? "the node database" : e.fileName())
                + " from a backup, see docs/operations.md)";
    }

    /** True when this open created the database (a fresh data directory). */
    public boolean created() {
        return created;
    }

    byte[] get(Cf cf, byte[] key) throws RocksDBException {
        return store.db().get(handles.get(cf), key);
    }

    void put(Cf cf, byte[] key, byte[] value) throws RocksDBException {
        store.db().put(handles.get(cf), syncWrite, key, value);
    }

    /** Writes the batch atomically and durably; the caller closes the batch. */
    void write(WriteBatch batch) throws RocksDBException {
        store.db().write(syncWrite, batch);
    }

    ColumnFamilyHandle handle(Cf cf) {
        return handles.get(cf);
    }

    /** A new iterator; the caller closes it (try-with-resources). */
    RocksIterator iterator(Cf cf) {
        return store.db().newIterator(handles.get(cf));
    }

    @Override
    public void close() {
        syncWrite.close();
        store.close();
    }
}
