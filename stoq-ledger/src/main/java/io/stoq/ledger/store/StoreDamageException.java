package io.stoq.ledger.store;

import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import java.nio.file.Path;

/**
 * A RocksDB store whose files are damaged, with the damaged file named when one can be: a
 * write-ahead-log record ({@code ledger/000004.log}, at a byte offset) or a table
 * ({@code ledger/000012.sst}, in a column family) or a blob file ({@code ledger/000013.blob}). Always {@link LedgerErrorCode#CORRUPT}.
 *
 * <p>Why a subclass: the store that opens the database knows what the damage puts at risk (for
 * the ledger, "blocks after height N"), and callers such as {@code stoq ledger verify} report the
 * file separately; both branch on this type, never on message text.
 */
public final class StoreDamageException extends LedgerException {
    private static final long serialVersionUID = 1L;

    /** Where the damage is. */
    public enum Kind {
        /** A write-ahead-log record: RocksDB refuses to replay the log past it. */
        LOG_RECORD,
        /** A table (SST) file fails its block checksums. */
        TABLE,
        /** A blob file (large values kept beside the tables) fails a record's checksum or is cut short. */
        BLOB_FILE,
        /** RocksDB reports corruption elsewhere (MANIFEST, CURRENT) or where no file can be named. */
        OTHER
    }

    private final Kind kind;
    private final transient Path file;
    private final String fileName;
    private final String columnFamily;
    private final byte[] smallestKey;
    private final byte[] largestKey;

    StoreDamageException(Kind kind, Path file, String fileName, String columnFamily, byte[] smallestKey, byte[] largestKey,
            String message, Throwable cause) {
        super(LedgerErrorCode.CORRUPT, message, cause);
        this.kind = kind;
        this.file = file;
        this.fileName = fileName;
        this.columnFamily = columnFamily;
        this.smallestKey = smallestKey;
        this.largestKey = largestKey;
    }

    /** The same damage with {@code consequence} (what it puts at risk) appended to the message. */
    public StoreDamageException withConsequence(String consequence) {
        return new StoreDamageException(kind, file, fileName, columnFamily, smallestKey, largestKey,
                getMessage() + "; " + consequence, getCause());
    }

    public Kind kind() {
        return kind;
    }

    /** The damaged file, or null when RocksDB's report names none. */
    public Path file() {
        return file;
    }

    /**
     * The damaged file as an operator finds it under the data directory, e.g.
     * {@code ledger/000004.log}; null when none is known.
     */
    public String fileName() {
        return fileName;
    }

    /** For {@link Kind#TABLE}: the column family the table belongs to, else null. */
    public String columnFamily() {
        return columnFamily;
    }

    /** For {@link Kind#TABLE}: the smallest key in the table (a copy), else null. */
    public byte[] smallestKey() {
        return smallestKey == null ? null : smallestKey.clone();
    }

    /** For {@link Kind#TABLE}: the largest key in the table (a copy), else null. */
    public byte[] largestKey() {
        return largestKey == null ? null : largestKey.clone();
    }
}
