package io.stoq.ledger.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LiveFileMetaData;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileReader;
import org.rocksdb.Status;
import org.rocksdb.WALRecoveryMode;

/**
 * How every RocksDB database of a node is opened and checked, so that nothing committed is ever
 * dropped silently (the ledger's {@link LedgerStore} and the node's account and audit database).
 *
 * <p><b>WAL recovery.</b> RocksDB's default, point-in-time recovery, stops replaying the log at
 * the first damaged record and opens with everything after it gone: one flipped byte in the
 * middle of the ledger's log once made a node forget two committed blocks and verify "OK". The
 * two strict modes differ only at the tail of a log (measured on RocksDB 11.8.1, see
 * docs/ledger.md and {@code WalRecoveryModesTest}):
 * <ul>
 *   <li>{@code kAbsoluteConsistency} refuses any damage, but also the torn last record that a
 *       kill -9 or power loss during an <em>unacknowledged</em> write leaves: a node could not
 *       restart after a crash;
 *   <li>{@code kTolerateCorruptedTailRecords} opens after a torn tail and refuses a record whose
 *       checksum fails anywhere, but cannot tell a torn write from a finished final record whose
 *       length field was damaged, and drops the latter silently.
 * </ul>
 * So {@link #open} tries absolute consistency first; when RocksDB reports corruption it reads
 * the logs itself ({@link WalScanner}) and opens in tolerant mode only if every problem is a
 * torn tail, which a crash alone can produce. Anything else is refused with a
 * {@link StoreDamageException} naming the file and byte offset. The result is never weaker than
 * tolerant mode (RocksDB still checks every record) and closes its one silent case.
 *
 * <p><b>Other settings.</b> {@code paranoid_checks} (fail on any inconsistency found while
 * running), {@code paranoid_file_checks} (re-read every table after writing it), and no recycled
 * log files (in a recycled log, tolerant mode takes a checksum failure at the tail for old data
 * and stops silently). {@link #verifyTables} runs RocksDB's {@code VerifyChecksum} over every
 * table and names the damaged one, and {@link BlobFileScanner} does the same for the blob files
 * that hold large values (RocksDB's check reads tables only).
 *
 * <p>Stateless and thread-safe.
 */
public final class RocksDurability {
    static {
        RocksDB.loadLibrary();
    }

    private RocksDurability() {}

    /** A database opened by {@link #open}, with notes on torn log tails it dropped (empty normally). */
    public record Opened(RocksDB db, List<String> notes) {}

    /** Applies the durability settings to database options; returns them. */
    public static DBOptions configure(DBOptions options) {
        return options.setParanoidChecks(true)
                .setWalRecoveryMode(WALRecoveryMode.AbsoluteConsistency)
                .setRecycleLogFileNum(0);
    }

    /** Applies the durability settings to column family options; returns them. */
    public static ColumnFamilyOptions configure(ColumnFamilyOptions options) {
        return options.setParanoidFileChecks(true);
    }

    /**
     * Opens the database in {@code dir} (options already {@link #configure configured}),
     * tolerating only torn log tails. Fills {@code handles} as {@code RocksDB.open} does.
     *
     * @param label how an operator names the directory in messages, e.g. {@code ledger}
     * @throws StoreDamageException when a log record or a table is damaged or RocksDB reports
     *     other corruption
     * @throws RocksDBException any other failure (locked, missing, I/O)
     */
    public static Opened open(DBOptions options, Path dir, String label, List<ColumnFamilyDescriptor> descriptors,
            List<ColumnFamilyHandle> handles, boolean readOnly) throws RocksDBException, StoreDamageException {
        try {
            return new Opened(openWith(options, WALRecoveryMode.AbsoluteConsistency, dir, descriptors, handles, readOnly), List.of());
        } catch (RocksDBException e) {
            if (!isCorruption(e)) {
                throw e;
            }
            WalScanner.Result scan = scanLogs(dir, label, e);
            if (scan.damaged()) {
                WalScanner.Finding d = scan.damage();
                throw new StoreDamageException(StoreDamageException.Kind.LOG_RECORD, d.file(), name(label, d.file()), null, null, null,
                        name(label, d.file()) + ": the log record at byte " + d.offset() + " " + d.problem() + " (RocksDB: "
                                + e.getMessage() + ")", e);
            }
            if (!scan.tornTails().isEmpty()) {
                List<String> notes = new ArrayList<>();
                for (WalScanner.Finding t : scan.tornTails()) {
                    notes.add(name(label, t.file()) + " " + t.problem() + " at byte " + t.offset() + "; that record is dropped");
                }
                try {
                    return new Opened(openWith(options, WALRecoveryMode.TolerateCorruptedTailRecords, dir, descriptors, handles, readOnly),
                            List.copyOf(notes));
                } catch (RocksDBException again) {
                    if (!isCorruption(again)) {
                        throw again;
                    }
                    e = again;
                }
            }
            throw tableOrOther(dir, label, e);
        }
    }

    /**
     * Verifies the block checksums of every live table of {@code db} (RocksDB's
     * {@code VerifyChecksum}; on a failure, checks the tables one by one to name the damaged one),
     * then every record of every live blob file ({@link BlobFileScanner}).
     *
     * @return what was read and how long it took, for the log
     */
    public static Checked verifyTables(RocksDB db, Path dir, String label) throws StoreDamageException, RocksDBException {
        return verifyTables(db, dir, label, CheckProgress.NONE);
    }

    /**
     * {@link #verifyTables(RocksDB, Path, String)}, saying what it reads to {@code progress} while
     * it runs when there is much to read.
     */
    public static Checked verifyTables(RocksDB db, Path dir, String label, CheckProgress progress)
            throws StoreDamageException, RocksDBException {
        long start = System.nanoTime();
        int tables = 0;
        long tableBytes = 0;
        for (LiveFileMetaData m : db.getLiveFilesMetaData()) {
            tables++;
            tableBytes += m.size();
        }
        List<BlobFile> blobs = liveBlobFiles(db, dir);
        long blobBytes = blobs.stream().mapToLong(BlobFile::bytes).sum();
        if (tableBytes + blobBytes >= progress.announceBytes()) {
            progress.sink().accept(String.format(java.util.Locale.ROOT,
                    "%s: checking %d tables (%d MiB) and %d blob files (%d MiB) before it opens; each is read once", label, tables,
                    tableBytes >> 20, blobs.size(), blobBytes >> 20));
        }
        try {
            db.verifyChecksum();
        } catch (RocksDBException e) {
            if (!isCorruption(e)) {
                throw e;
            }
            for (LiveFileMetaData m : db.getLiveFilesMetaData()) {
                Path table = Path.of(m.path(), m.fileName().replaceFirst("^/", ""));
                RocksDBException bad = checkTable(table);
                if (bad != null) {
                    String cf = new String(m.columnFamilyName(), java.nio.charset.StandardCharsets.UTF_8);
                    throw new StoreDamageException(StoreDamageException.Kind.TABLE, table, name(label, table), cf, m.smallestKey(),
                            m.largestKey(), name(label, table) + " (column family " + cf + ") fails its checksums (RocksDB: "
                                    + bad.getMessage() + ")", bad);
                }
            }
            throw new StoreDamageException(StoreDamageException.Kind.OTHER, null, null, null, null, null,
                    label + ": RocksDB reports damage it does not attribute to a table: " + e.getMessage(), e);
        }
        BlobsRead read = verifyBlobFiles(blobs, blobBytes, label, progress, start);
        return new Checked(tables, tableBytes, read.files(), read.bytes(), java.time.Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * What {@link #verifyTables} read and how long it took: an operator's answer to why a start
     * took as long as it did (the check reads every table and blob file once).
     */
    public record Checked(int tables, long tableBytes, int blobFiles, long blobBytes, java.time.Duration took) {
        /** E.g. "checked 12 tables (117 MiB) and 3 blob files (191 MiB) in 0.41 s". */
        public String summary() {
            return String.format(java.util.Locale.ROOT, "checked %d tables (%d MiB) and %d blob files (%d MiB) in %.2f s", tables,
                    tableBytes >> 20, blobFiles, blobBytes >> 20, took.toNanos() / 1e9);
        }
    }

    /** How many live blob files {@link #verifyBlobFiles} read, and their bytes. */
    private record BlobsRead(int files, long bytes) {}

    /** A live blob file and its size when listed. */
    private record BlobFile(Path path, long bytes) {}

    /** The live blob files of {@code db} (values that RocksDB keeps beside its tables), with their sizes. */
    private static List<BlobFile> liveBlobFiles(RocksDB db, Path dir) throws RocksDBException {
        List<BlobFile> blobs = new ArrayList<>();
        for (String name : db.getLiveFiles(false).files) {
            if (!name.endsWith(".blob")) {
                continue;
            }
            Path blob = dir.resolve(name.replaceFirst("^/", ""));
            try {
                blobs.add(new BlobFile(blob, Files.size(blob)));
            } catch (IOException gone) {
                blobs.add(new BlobFile(blob, 0)); // the check below says what is wrong with it
            }
        }
        return blobs;
    }

    /**
     * Reads every listed blob file and checks its checksums, which {@code VerifyChecksum} leaves
     * to the reads ({@link BlobFileScanner}), with a progress line at most every
     * {@link CheckProgress#every()} of a check that was announced.
     */
    private static BlobsRead verifyBlobFiles(List<BlobFile> blobs, long blobBytes, String label, CheckProgress progress, long start)
            throws StoreDamageException {
        int files = 0;
        long bytes = 0;
        long lastReport = System.nanoTime();
        for (BlobFile listed : blobs) {
            Path blob = listed.path();
            BlobFileScanner.Finding bad;
            try {
                bad = BlobFileScanner.check(blob);
                files++;
                bytes += listed.bytes();
            } catch (java.nio.file.NoSuchFileException gone) {
                continue; // compacted away since the listing: its values were rewritten into a newer file, checked on read
            } catch (IOException io) {
                throw blobDamage(label, blob, "cannot be read whole: " + io.getMessage(), io);
            }
            if (bad != null) {
                throw blobDamage(label, blob, bad.problem() + " (at byte " + bad.offset() + ")", null);
            }
            long now = System.nanoTime();
            if (now - lastReport >= progress.every().toNanos() && files < blobs.size()) {
                lastReport = now;
                progress.sink().accept(String.format(java.util.Locale.ROOT, "%s: checked the tables and %d of %d blob files (%d of %d MiB) in %.0f s",
                        label, files, blobs.size(), bytes >> 20, blobBytes >> 20, (now - start) / 1e9));
            }
        }
        return new BlobsRead(files, bytes);
    }

    private static StoreDamageException blobDamage(String label, Path blob, String problem, IOException cause) {
        return new StoreDamageException(StoreDamageException.Kind.BLOB_FILE, blob, name(label, blob), null, null, null,
                name(label, blob) + " " + problem, cause);
    }

    /** True when RocksDB reports damaged data rather than, say, a lock or a missing directory. */
    public static boolean isCorruption(RocksDBException e) {
        return e.getStatus() != null && e.getStatus().getCode() == Status.Code.Corruption;
    }

    private static RocksDB openWith(DBOptions options, WALRecoveryMode mode, Path dir, List<ColumnFamilyDescriptor> descriptors,
            List<ColumnFamilyHandle> handles, boolean readOnly) throws RocksDBException {
        WALRecoveryMode before = options.walRecoveryMode();
        options.setWalRecoveryMode(mode);
        try {
            return readOnly
                    ? RocksDB.openReadOnly(options, dir.toString(), descriptors, handles)
                    : RocksDB.open(options, dir.toString(), descriptors, handles);
        } finally {
            options.setWalRecoveryMode(before);
        }
    }

    private static WalScanner.Result scanLogs(Path dir, String label, RocksDBException cause) throws StoreDamageException {
        try {
            return WalScanner.scan(dir, (batch, afterDamage) -> { });
        } catch (IOException io) {
            throw new StoreDamageException(StoreDamageException.Kind.OTHER, null, null, null, null, null, label
                    + ": RocksDB reports damage (" + cause.getMessage() + ") and its logs cannot be read: " + io.getMessage(), cause);
        }
    }

    /** The damage when the logs are fine: a damaged table if one can be found, else RocksDB's words. */
    private static StoreDamageException tableOrOther(Path dir, String label, RocksDBException e) {
        List<Path> tables = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.sst")) {
            files.forEach(tables::add);
        } catch (IOException io) {
            tables.clear();
        }
        tables.sort(null);
        for (Path table : tables) {
            RocksDBException bad = checkTable(table);
            if (bad != null) {
                return new StoreDamageException(StoreDamageException.Kind.TABLE, table, name(label, table), null, null, null,
                        name(label, table) + " fails its checksums (RocksDB: " + bad.getMessage() + ")", bad);
            }
        }
        return new StoreDamageException(StoreDamageException.Kind.OTHER, null, null, null, null, null,
                label + ": RocksDB cannot open it: " + e.getMessage(), e);
    }

    /** RocksDB's own check of one table file: null when it verifies. */
    private static RocksDBException checkTable(Path table) {
        try (Options options = new Options(); SstFileReader reader = new SstFileReader(options)) {
            reader.open(table.toString());
            reader.verifyChecksum();
            return null;
        } catch (RocksDBException e) {
            return e;
        }
    }

    private static String name(String label, Path file) {
        return label + "/" + file.getFileName();
    }
}
