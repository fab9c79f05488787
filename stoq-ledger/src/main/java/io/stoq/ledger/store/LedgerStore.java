package io.stoq.ledger.store;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.state.StateHash;
import io.stoq.ledger.state.StateView;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The ledger's RocksDB store; owns every native handle (options, column families, the DB, write
 * options) and releases them in {@link #close()}.
 *
 * <p>Column families: {@code blocks} (u64 height -> header bytes and tx ids), {@code txs} (tx id ->
 * height, index, tx bytes), {@code state} (state key -> value), {@code indexes} (see {@link Indexes}),
 * and {@code default} holding the {@code head} record. A block, its txs, its state writes, its index
 * entries and the new head go into one {@link WriteBatch} written with {@code sync=true}: after
 * {@link #commit} returns the block is in the fsynced WAL, and after a crash either all of it is
 * visible or none of it.
 *
 * <p>Damage: the database opens through {@link RocksDurability} (no silent loss at WAL replay;
 * a torn log tail from a crash is dropped and reported in {@link #recoveryNotes()}); a writable
 * open also verifies every table's checksums, so a node never starts on a damaged ledger; a
 * damaged log record or table fails with a {@link StoreDamageException} that names the file and
 * the blocks at risk; a read or scan that meets damage fails with {@code CORRUPT}.
 *
 * <p>Thread-safety: reads may run concurrently; {@link #commit} must be called by one writer at a time.
 */
public final class LedgerStore implements AutoCloseable, StateView {
    static final byte[] HEAD = "head".getBytes(StandardCharsets.US_ASCII);
    private static final List<String> FAMILIES = List.of("blocks", "txs", "state", "indexes");
    private static final int TX_BLOB_MIN_BYTES = 1024;

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final ColumnFamilyOptions txsOptions;
    private final List<ColumnFamilyHandle> handles;
    private final RocksDB db;
    private final WriteOptions syncWrites;
    private final List<String> recoveryNotes;
    /** What the writable open's check read; null for read-only opens, which do not check. */
    private final RocksDurability.Checked checked;
    /** Read-held around every RocksDB call, write-held by {@link #close}. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock lifetime = new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Guarded by {@link #lifetime}. */
    private boolean closed;
    private final ColumnFamilyHandle meta;
    private final ColumnFamilyHandle blocks;
    private final ColumnFamilyHandle txs;
    private final ColumnFamilyHandle state;
    private final ColumnFamilyHandle indexes;

    private LedgerStore(Path dir, boolean readOnly, boolean create) throws LedgerException {
        this(dir, readOnly, create, false, CheckProgress.NONE);
    }

    private LedgerStore(Path dir, boolean readOnly, boolean create, boolean pointInTime, CheckProgress progress) throws LedgerException {
        this.dir = dir;
        if (!create && !Files.isDirectory(dir)) {
            throw new LedgerException(LedgerErrorCode.NOT_FOUND, "no ledger at " + dir);
        }
        DBOptions dbo = null;
        ColumnFamilyOptions cfo = null;
        ColumnFamilyOptions txo = null;
        List<ColumnFamilyHandle> hs = new ArrayList<>();
        RocksDB opened = null;
        WriteOptions wo = null;
        List<String> notes = List.of();
        RocksDurability.Checked checked = null;
        try {
            if (create) {
                SecureFiles.createDirectoriesDurably(dir);
            }
            dbo = RocksDurability.configure(new DBOptions().setCreateIfMissing(create).setCreateMissingColumnFamilies(create));
            cfo = RocksDurability.configure(new ColumnFamilyOptions());
            txo = txsOptions();
            if (pointInTime) {
                dbo.setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery);
                opened = RocksDB.openReadOnly(dbo, dir.toString(), descriptors(cfo, txo), hs);
            } else {
                RocksDurability.Opened o = RocksDurability.open(dbo, dir, label(dir), descriptors(cfo, txo), hs, readOnly);
                opened = o.db();
                notes = o.notes();
            }
            if (!readOnly) {
                // A node starts on this path: a damaged table must stop it here, not at the first read.
                checked = RocksDurability.verifyTables(opened, dir, label(dir), progress);
            }
            wo = new WriteOptions().setSync(true);
        } catch (StoreDamageException e) {
            release(hs, opened, cfo, txo, dbo);
            throw LedgerDamage.explain(dir, e);
        } catch (RocksDBException | java.io.IOException e) {
            release(hs, opened, cfo, txo, dbo);
            LedgerErrorCode code = e instanceof RocksDBException r && RocksDurability.isCorruption(r) ? LedgerErrorCode.CORRUPT
                    : create ? LedgerErrorCode.STORE_FAILURE : LedgerErrorCode.NOT_FOUND;
            throw new LedgerException(code, "cannot open ledger at " + dir + ": " + e.getMessage(), e);
        }
        this.dbOptions = dbo;
        this.cfOptions = cfo;
        this.txsOptions = txo;
        this.handles = List.copyOf(hs);
        this.db = opened;
        this.syncWrites = wo;
        this.recoveryNotes = notes;
        this.checked = checked;
        this.meta = hs.get(0);
        this.blocks = hs.get(1);
        this.txs = hs.get(2);
        this.state = hs.get(3);
        this.indexes = hs.get(4);
    }

    /**
     * The {@code txs} family's options: values of {@value #TX_BLOB_MIN_BYTES} bytes or more (a tx
     * signed with ML-DSA-65 is ~5.4 KB, mostly its key and signature) go to blob files when the
     * memtable is flushed, so compaction moves keys and pointers instead of rewriting the tx bytes
     * at every level. Tx ids are hashes, so every flush overlaps the whole key range and level
     * compaction would otherwise rewrite all the bytes again and again: measured, it took a third
     * of a core of a two-core machine while the ledger committed (docs/ledger.md). Blob files are
     * not compressed (signatures and keys do not compress) and never garbage-collected (txs are
     * never deleted). Existing ledgers open unchanged: values already in tables stay there.
     */
    static ColumnFamilyOptions txsOptions() {
        return RocksDurability.configure(new ColumnFamilyOptions()).setEnableBlobFiles(true).setMinBlobSize(TX_BLOB_MIN_BYTES)
                .setBlobCompressionType(CompressionType.NO_COMPRESSION).setEnableBlobGarbageCollection(false);
    }

    /** Descriptors of every family: {@code txs} with {@code txo}, the others with {@code cfo}. */
    static List<ColumnFamilyDescriptor> descriptors(ColumnFamilyOptions cfo, ColumnFamilyOptions txo) {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfo));
        for (String name : FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII), name.equals("txs") ? txo : cfo));
        }
        return descriptors;
    }

    private static void release(List<ColumnFamilyHandle> hs, RocksDB opened, ColumnFamilyOptions cfo, ColumnFamilyOptions txo,
            DBOptions dbo) {
        hs.forEach(ColumnFamilyHandle::close);
        if (opened != null) {
            opened.close();
        }
        if (cfo != null) {
            cfo.close();
        }
        if (txo != null) {
            txo.close();
        }
        if (dbo != null) {
            dbo.close();
        }
    }

    /** How the directory is named in messages: its last component, as under a data directory ({@code ledger}). */
    private static String label(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }

    /** Opens (creating if needed) a writable store. */
    public static LedgerStore open(Path dir) throws LedgerException {
        return open(dir, CheckProgress.NONE);
    }

    /** Opens (creating if needed) a writable store; its check says what it reads to {@code progress} while it runs. */
    public static LedgerStore open(Path dir, CheckProgress progress) throws LedgerException {
        return new LedgerStore(dir, false, true, false, progress);
    }

    /** Opens an existing store without writing to it (for verify, prove). */
    public static LedgerStore openReadOnly(Path dir) throws LedgerException {
        return new LedgerStore(dir, true, false);
    }

    /**
     * Opens an existing store read-only the way RocksDB's point-in-time recovery sees it: the log
     * replayed up to its first damaged record and nothing after it. Only for
     * {@code stoq ledger recover}, which rebuilds a ledger from the blocks this view still has and
     * re-checks each; never for serving, which would be the silent loss the other opens refuse.
     */
    public static LedgerStore openPointInTime(Path dir) throws LedgerException {
        return new LedgerStore(dir, true, false, true, CheckProgress.NONE);
    }

    public Path directory() {
        return dir;
    }

    /**
     * What opening had to drop: torn log tails left by a crash during an unacknowledged write,
     * one line each (empty normally). The node logs them at start.
     */
    public List<String> recoveryNotes() {
        return recoveryNotes;
    }

    /** What the check of a writable open read and how long it took (see {@link #verifyTables()}); empty for a read-only open. */
    public java.util.Optional<RocksDurability.Checked> openCheck() {
        return java.util.Optional.ofNullable(checked);
    }

    /**
     * RocksDB's check of every table's block checksums; names the damaged table and what it
     * holds. A writable open runs it already; {@code stoq ledger verify} runs it on its
     * read-only store before the chain re-walk.
     */
    public void verifyTables() throws LedgerException {
        try {
            RocksDurability.verifyTables(db, dir, label(dir));
        } catch (StoreDamageException e) {
            throw LedgerDamage.explain(dir, e);
        } catch (RocksDBException e) {
            throw failure("cannot check the tables of " + dir, e);
        }
    }

    // ---- writes ---------------------------------------------------------------------------

    /**
     * Commits {@code block} atomically and durably with its state writes (null value = delete),
     * its index entries and the new head.
     */
    public void commit(Block block, Map<byte[], byte[]> stateWrites, StateHash after) throws LedgerException {
        BlockHeader header = block.header();
        try (WriteBatch batch = new WriteBatch()) {
            List<Hash256> ids = new ArrayList<>(block.txs().size());
            for (int i = 0; i < block.txs().size(); i++) {
                Transaction tx = block.txs().get(i);
                ids.add(tx.id());
                batch.put(txs, tx.id().toBytes(), new CanonicalWriter().u64(header.height()).u32(i).bytes(tx.encoded()).toBytes());
                for (byte[] key : Indexes.keysFor(tx, header.height(), i)) {
                    batch.put(indexes, key, tx.id().toBytes());
                }
            }
            batch.put(blocks, heightKey(header.height()), new CanonicalWriter().bytes(header.encode()).hashes(ids).toBytes());
            for (Map.Entry<byte[], byte[]> w : stateWrites.entrySet()) {
                if (w.getValue() == null) {
                    batch.delete(state, w.getKey());
                } else {
                    batch.put(state, w.getKey(), w.getValue());
                }
            }
            batch.put(meta, HEAD, new CanonicalWriter().u64(header.height()).hash(header.hash()).raw(after.toBytes()).toBytes());
            java.util.concurrent.locks.Lock held = use();
            try {
                db.write(syncWrites, batch);
            } finally {
                held.unlock();
            }
        } catch (RocksDBException e) {
            throw failure("cannot commit block " + header.height(), e);
        }
    }

    // ---- reads ----------------------------------------------------------------------------

    /** The head, or null for an empty store. */
    public Head head() throws LedgerException {
        byte[] v = read(meta, HEAD);
        if (v == null) {
            return null;
        }
        CanonicalReader in = new CanonicalReader(v, "head record");
        Head h = new Head(in.u64("height"), in.hash("blockHash"), in.raw("stateHash", StateHash.BYTES));
        in.finish();
        return h;
    }

    /** The raw stored block record (header bytes and tx ids), or null. */
    public byte[] blockRecord(long height) throws LedgerException {
        return read(blocks, heightKey(height));
    }

    /** A stored block record, decoded. */
    public record BlockRecord(byte[] headerBytes, List<Hash256> txIds) {
        public static BlockRecord decode(byte[] record) throws LedgerException {
            CanonicalReader in = new CanonicalReader(record, "block record");
            BlockRecord r = new BlockRecord(in.bytes("header", 64 * 1024), in.hashes("txIds", Limits.MAX_BLOCK_TXS));
            in.finish();
            return r;
        }
    }

    /** The header at {@code height}; NOT_FOUND when absent, MALFORMED when it does not decode. */
    public BlockHeader header(long height) throws LedgerException {
        byte[] record = blockRecord(height);
        if (record == null) {
            throw new LedgerException(LedgerErrorCode.NOT_FOUND, "no block " + height);
        }
        return BlockHeader.decode(BlockRecord.decode(record).headerBytes());
    }

    /** The raw stored tx record (height, index, tx bytes), or null. */
    public byte[] txRecord(Hash256 id) throws LedgerException {
        return read(txs, id.toBytes());
    }

    /** A committed tx by id, or null when unknown. */
    public StoredTx tx(Hash256 id) throws LedgerException {
        byte[] v = txRecord(id);
        if (v == null) {
            return null;
        }
        CanonicalReader in = new CanonicalReader(v, "tx record");
        StoredTx t = new StoredTx(in.u64("height"), in.u32("index"), Transaction.decode(in.bytes("tx", Limits.MAX_TX_BYTES)));
        in.finish();
        return t;
    }

    /** Where a committed tx is, without decoding the tx (a writer answering its callers needs no more), or null when unknown. */
    public TxPlace txPlace(Hash256 id) throws LedgerException {
        byte[] v = txRecord(id);
        if (v == null) {
            return null;
        }
        CanonicalReader in = new CanonicalReader(v, "tx record");
        return new TxPlace(in.u64("height"), in.u32("index"));
    }

    /** A committed tx's block height and index in that block. */
    public record TxPlace(long height, int index) {}

    /** Reads a whole block: header and its txs in order. */
    public Block block(long height) throws LedgerException {
        byte[] record = blockRecord(height);
        if (record == null) {
            throw new LedgerException(LedgerErrorCode.NOT_FOUND, "no block " + height);
        }
        BlockRecord r = BlockRecord.decode(record);
        List<Transaction> list = new ArrayList<>(r.txIds().size());
        for (Hash256 id : r.txIds()) {
            StoredTx t = tx(id);
            if (t == null) {
                throw new LedgerException(LedgerErrorCode.CORRUPT, "block " + height + " names tx " + id + " that is not stored");
            }
            list.add(t.tx());
        }
        return new Block(BlockHeader.decode(r.headerBytes()), list);
    }

    /** State value under {@code key}, or null. */
    @Override
    public byte[] get(byte[] key) throws LedgerException {
        return read(state, key);
    }

    /** Visits every state pair in key order. */
    public void forEachState(BiConsumer<byte[], byte[]> visitor) throws LedgerException {
        scan(state, new byte[0], visitor);
    }

    /** A visitor of a bounded scan: returns false to stop. */
    @FunctionalInterface
    public interface PairVisitor {
        boolean visit(byte[] key, byte[] value) throws LedgerException;
    }

    /**
     * Visits state pairs under {@code prefix} in key order from the first key at or after
     * {@code from} (which starts with {@code prefix}), until {@code visitor} returns false: a
     * page of an ordered index (the S3 name index) costs the page, not the whole prefix.
     */
    public void scanState(byte[] prefix, byte[] from, PairVisitor visitor) throws LedgerException {
        java.util.concurrent.locks.Lock held = use();
        try (RocksIterator it = db.newIterator(state)) {
            for (it.seek(from); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length < prefix.length || !Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                if (!visitor.visit(k, it.value())) {
                    break;
                }
            }
            it.status();
        } catch (RocksDBException e) {
            throw failure("cannot read " + dir, e);
        } finally {
            held.unlock();
        }
    }

    /** Tx ids under an index prefix, in chain order. */
    public List<Hash256> indexed(Indexes index, Hash256 subject) throws LedgerException {
        List<Hash256> out = new ArrayList<>();
        scan(indexes, index.prefix(subject), (k, v) -> out.add(Hash256.of(v)));
        return out;
    }

    /**
     * Visits pairs under {@code prefix}. An iterator that meets a damaged block simply becomes
     * invalid, which looks like the end of the data; its status tells the two apart, so it is
     * checked after every scan and damage is an error, never a shorter answer.
     */
    private void scan(ColumnFamilyHandle cf, byte[] prefix, BiConsumer<byte[], byte[]> visitor) throws LedgerException {
        java.util.concurrent.locks.Lock held = use();
        try (RocksIterator it = db.newIterator(cf)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length < prefix.length || !Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                visitor.accept(k, it.value());
            }
            it.status();
        } catch (RocksDBException e) {
            throw failure("cannot read " + dir, e);
        } finally {
            held.unlock();
        }
    }

    private byte[] read(ColumnFamilyHandle cf, byte[] key) throws LedgerException {
        java.util.concurrent.locks.Lock held = use();
        try {
            return db.get(cf, key);
        } catch (RocksDBException e) {
            throw failure("cannot read " + dir, e);
        } finally {
            held.unlock();
        }
    }

    /**
     * Holds the store open for one RocksDB call: {@link #close} waits for the calls under way, and
     * a call after it fails instead of touching freed native handles (which crashes the JVM). A
     * Raft replica's ledger is closed under its readers when a snapshot replaces it or the group
     * removes the replica.
     */
    private java.util.concurrent.locks.Lock use() throws LedgerException {
        java.util.concurrent.locks.Lock read = lifetime.readLock();
        read.lock();
        if (closed) {
            read.unlock();
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "the ledger " + label(dir) + " is closed");
        }
        return read;
    }

    /** CORRUPT when RocksDB reports damaged data (a checksum failed), STORE_FAILURE otherwise. */
    private static LedgerException failure(String what, RocksDBException e) {
        LedgerErrorCode code = RocksDurability.isCorruption(e) ? LedgerErrorCode.CORRUPT : LedgerErrorCode.STORE_FAILURE;
        return new LedgerException(code, what + ": " + e.getMessage(), e);
    }

    static byte[] heightKey(long height) {
        return new CanonicalWriter().u64(height).toBytes();
    }

    // ---- raw access for tamper tests and repair tools ---------------------------------------

    /** The column families by name, for tests that tamper with bytes and tools that inspect them. */
    public enum Family { META, BLOCKS, TXS, STATE, INDEXES }

    private ColumnFamilyHandle handle(Family f) {
        return switch (f) {
            case META -> meta;
            case BLOCKS -> blocks;
            case TXS -> txs;
            case STATE -> state;
            case INDEXES -> indexes;
        };
    }

    /** Raw read of any family. */
    public byte[] rawGet(Family family, byte[] key) throws LedgerException {
        return read(handle(family), key);
    }

    /** Raw synced write of any family, bypassing every rule: only for fault-injection tests and repair. */
    public void rawPut(Family family, byte[] key, byte[] value) throws LedgerException {
        java.util.concurrent.locks.Lock held = use();
        try {
            db.put(handle(family), syncWrites, key, value);
        } catch (RocksDBException e) {
            throw failure("raw write failed", e);
        } finally {
            held.unlock();
        }
    }

    /** Visits every raw pair of a family in key order. */
    public void rawScan(Family family, BiConsumer<byte[], byte[]> visitor) throws LedgerException {
        scan(handle(family), new byte[0], visitor);
    }

    /**
     * Writes a consistent RocksDB checkpoint of the whole store (every column family, as of one
     * point between two commits) into {@code target}, which must not exist yet: hard links to the
     * immutable table files where the file system allows, copies otherwise. The target opens as a
     * store of its own. Used for Raft snapshots.
     */
    public void checkpoint(Path target) throws LedgerException {
        java.util.concurrent.locks.Lock held = use();
        try (org.rocksdb.Checkpoint checkpoint = org.rocksdb.Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot checkpoint the ledger " + label(dir) + " into " + target
                    + ": " + e.getMessage(), e);
        } finally {
            held.unlock();
        }
    }

    @Override
    public void close() {
        java.util.concurrent.locks.Lock exclusive = lifetime.writeLock();
        exclusive.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            syncWrites.close();
            handles.forEach(ColumnFamilyHandle::close);
            db.close();
            cfOptions.close();
            txsOptions.close();
            dbOptions.close();
        } finally {
            exclusive.unlock();
        }
    }
}
