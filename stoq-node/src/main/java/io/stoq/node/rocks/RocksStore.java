package io.stoq.node.rocks;

import io.stoq.crypto.keys.SecureFiles;
import io.stoq.ledger.store.CheckProgress;
import io.stoq.ledger.store.RocksDurability;
import io.stoq.ledger.store.StoreDamageException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node-side RocksDB database, its column families and the native options it was opened with:
 * the one owner of those handles for the store that holds it (the node database, the seal store,
 * the small shard store). Opening applies the node's durability rules the same way for every
 * one of them: a damaged log record or table refuses the open ({@link NodeErrorCode#CORRUPT_DATA},
 * naming the file and what cannot be proven intact), a torn log tail from a crash during an
 * unacknowledged write is dropped and logged.
 */
public final class RocksStore implements AutoCloseable {
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

    /** A store with the default column family only (see {@link #open(Path, DBOptions, ColumnFamilyOptions, List, Naming)}). */
    public static RocksStore open(Path dir, DBOptions dbOptions, ColumnFamilyOptions cfOptions, String what, String atRisk)
            throws NodeException {
        return open(dir, dbOptions, cfOptions, List.of(), new Naming("shards/" + dir.getFileName(), what,
                damage -> (damage.kind() == StoreDamageException.Kind.LOG_RECORD ? atRisk : "what " + what + " keeps in it")
                        + " cannot be proven intact; the node will not start on it (see docs/operations.md)"));
    }

    /**
     * Opens (creating when absent) the database in {@code dir} with the default column family and
     * {@code columnFamilies} (all with {@code cfOptions}), taking ownership of both option objects:
     * they are closed here when the open fails, and by {@link #close()} otherwise.
     */
    public static RocksStore open(Path dir, DBOptions dbOptions, ColumnFamilyOptions cfOptions, List<String> columnFamilies,
            Naming naming) throws NodeException {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (String name : columnFamilies) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db = null;
        try {
            SecureFiles.createDirectoriesDurably(dir);
            RocksDurability.Opened opened = RocksDurability.open(dbOptions, dir, naming.label(), descriptors, handles, false);
            db = opened.db();
            opened.notes().forEach(note -> LOG.warn("{}", note));
            LOG.info("{}: {}", naming.label(), RocksDurability.verifyTables(db, dir, naming.label(), CheckProgress.to(LOG::info)).summary());
            return new RocksStore(dir, dbOptions, cfOptions, handles, db);
        } catch (StoreDamageException e) {
            release(handles, db, cfOptions, dbOptions);
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, e.getMessage() + "; " + naming.atRisk().apply(e), e);
        } catch (RocksDBException | IOException e) {
            release(handles, db, cfOptions, dbOptions);
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot open " + naming.what() + " " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * How a store is named in logs and refusals.
     *
     * @param label the short name RocksDurability logs notes under
     * @param what the store in an operator's words ("the manifest seal store")
     * @param atRisk what a damage report adds: what cannot be proven intact and what to do
     */
    public record Naming(String label, String what, Function<StoreDamageException, String> atRisk) { }

    public RocksDB db() {
        return db;
    }

    public Path dir() {
        return dir;
    }

    /** The handle of the {@code i}-th column family named at open (0 is the default one). */
    public ColumnFamilyHandle handle(int i) {
        return handles.get(i);
    }

    /** A RocksDB failure as a node error: corruption is {@code CORRUPT_DATA}, anything else {@code IO_ERROR}. */
    public NodeException failure(String what, RocksDBException e) {
        NodeErrorCode code = RocksDurability.isCorruption(e) ? NodeErrorCode.CORRUPT_DATA : NodeErrorCode.IO_ERROR;
        return new NodeException(code, what + " (" + dir + "): " + e.getMessage(), e);
    }

    @Override
    public void close() {
        release(handles, db, cfOptions, dbOptions);
    }

    private static void release(List<ColumnFamilyHandle> handles, RocksDB db, ColumnFamilyOptions cfOptions, DBOptions dbOptions) {
        for (int i = handles.size() - 1; i >= 0; i--) {
            handles.get(i).close();
        }
        if (db != null) {
            db.close();
        }
        cfOptions.close();
        dbOptions.close();
    }
}
