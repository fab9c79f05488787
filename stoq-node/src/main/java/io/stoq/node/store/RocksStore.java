package io.stoq.node.store;

import io.stoq.crypto.keys.SecureFiles;
import io.stoq.ledger.store.RocksDurability;
import io.stoq.ledger.store.StoreDamageException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node-side RocksDB database (a single column family) and the native options it was opened
 * with: the one owner of those handles for the store that holds it. Opening applies the node's
 * durability rules the same way for every store under {@code DATA/shards}: a damaged log record
 * or table refuses the open ({@link NodeErrorCode#CORRUPT_DATA}, naming the file), a torn log tail
 * from a crash during an unacknowledged write is dropped and logged.
 */
final class RocksStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RocksStore.class);

    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final List<ColumnFamilyHandle> handles;
    private final RocksDB db;

    private RocksStore(Path dir, DBOptions dbOptions, ColumnFamilyOptions cfOptions, List<ColumnFamilyHandle> handles, RocksDB db) {
        this.dir = dir;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.handles = handles;
        this.db = db;
    }

    /**
     * Opens (creating when absent) the database in {@code dir}, taking ownership of both option
     * objects: they are closed here when the open fails, and by {@link #close()} otherwise.
     *
     * @param what the store in an operator's words ("the manifest seal store"), for messages
     * @param atRisk what cannot be proven intact when the store is damaged, for the refusal message
     */
    static RocksStore open(Path dir, DBOptions dbOptions, ColumnFamilyOptions cfOptions, String what, String atRisk)
            throws NodeException {
        List<ColumnFamilyDescriptor> descriptors = List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db = null;
        String label = "shards/" + dir.getFileName();
        try {
            SecureFiles.createDirectoriesDurably(dir);
            RocksDurability.Opened opened = RocksDurability.open(dbOptions, dir, label, descriptors, handles, false);
            db = opened.db();
            opened.notes().forEach(note -> LOG.warn("{}", note));
            RocksDurability.verifyTables(db, dir, label);
            return new RocksStore(dir, dbOptions, cfOptions, handles, db);
        } catch (StoreDamageException e) {
            release(handles, db, cfOptions, dbOptions);
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, e.getMessage() + "; " + atRisk
                    + " cannot be proven intact; the node will not start on it (see docs/operations.md)", e);
        } catch (RocksDBException | IOException e) {
            release(handles, db, cfOptions, dbOptions);
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot open " + what + " " + dir + ": " + e.getMessage(), e);
        }
    }

    RocksDB db() {
        return db;
    }

    Path dir() {
        return dir;
    }

    /** A RocksDB failure as a node error: corruption is {@code CORRUPT_DATA}, anything else {@code IO_ERROR}. */
    NodeException failure(String what, RocksDBException e) {
        NodeErrorCode code = RocksDurability.isCorruption(e) ? NodeErrorCode.CORRUPT_DATA : NodeErrorCode.IO_ERROR;
        return new NodeException(code, what + " (" + dir + "): " + e.getMessage(), e);
    }

    @Override
    public void close() {
        release(handles, db, cfOptions, dbOptions);
    }

    private static void release(List<ColumnFamilyHandle> handles, RocksDB db, ColumnFamilyOptions cfOptions, DBOptions dbOptions) {
        handles.forEach(ColumnFamilyHandle::close);
        if (db != null) {
            db.close();
        }
        cfOptions.close();
        dbOptions.close();
    }
}
