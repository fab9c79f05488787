package io.stoq.ledger.store;

import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.CanonicalReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;

/**
 * Says what a damaged ledger store puts at risk, in the operator's terms ("blocks after height 1
 * cannot be proven intact"): {@link RocksDurability} names the damaged file, this adds the
 * blocks. Stateless.
 */
final class LedgerDamage {
    private LedgerDamage() {}

    /**
     * Adds what the damage puts at risk, in ledger terms. For a log record: the blocks after the
     * last block RocksDB can replay intact (its point-in-time view, read-only) cannot be proven
     * intact, and the log may hold later blocks beyond the damage. For a table: which blocks or
     * which column family it holds.
     */
    static StoreDamageException explain(Path dir, StoreDamageException e) {
        switch (e.kind()) {
            case LOG_RECORD -> {
                OptionalLong intact = headAtPointInTime(dir);
                long[] later = {-1};
                try {
                    WalScanner.scan(dir, (batch, afterDamage) -> {
                        if (afterDamage) {
                            later[0] = Math.max(later[0], headIn(batch));
                        }
                    });
                } catch (java.io.IOException io) {
                    later[0] = -1; // the damage itself is already named; the extra detail is optional
                }
                String lost = intact.isEmpty() ? "blocks after the last intact log record cannot be proven intact"
                        : intact.getAsLong() < 0 ? "no block of this ledger can be proven intact"
                        : "blocks after height " + intact.getAsLong() + " cannot be proven intact";
                return e.withConsequence(lost + (later[0] > intact.orElse(-1)
                        ? " (the log holds records of blocks up to " + later[0] + " beyond the damage)" : ""));
            }
            case TABLE -> {
                byte[] lo = e.smallestKey();
                byte[] hi = e.largestKey();
                if ("blocks".equals(e.columnFamily()) && lo != null && lo.length == 8 && hi != null && hi.length == 8) {
                    return e.withConsequence("blocks " + java.nio.ByteBuffer.wrap(lo).getLong() + " to "
                            + java.nio.ByteBuffer.wrap(hi).getLong() + " are stored in it and cannot be proven intact");
                }
                return e.withConsequence("the ledger cannot be proven intact until this file is restored");
            }
            case BLOB_FILE -> {
                return e.withConsequence("the txs whose bytes are stored in it cannot be proven intact, nor the ledger until this file is restored");
            }
            default -> {
                return e.withConsequence("the ledger cannot be proven intact");
            }
        }
    }

    /**
     * The head height RocksDB's point-in-time recovery reaches (replaying the log up to its first
     * damaged record), read without writing; -1 when that view holds no head, empty when even
     * that view cannot be opened.
     */
    static OptionalLong headAtPointInTime(Path dir) {
        List<ColumnFamilyHandle> hs = new ArrayList<>();
        try (DBOptions o = new DBOptions().setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery);
                ColumnFamilyOptions c = new ColumnFamilyOptions();
                RocksDB pit = RocksDB.openReadOnly(o, dir.toString(), LedgerStore.descriptors(c, c), hs)) {
            try {
                byte[] v = pit.get(hs.get(0), LedgerStore.HEAD);
                return OptionalLong.of(v == null ? -1 : new CanonicalReader(v, "head record").u64("height"));
            } finally {
                hs.forEach(ColumnFamilyHandle::close);
            }
        } catch (RocksDBException | LedgerException e) {
            return OptionalLong.empty();
        }
    }

    /** The height of the head record a serialized WriteBatch writes, or -1. */
    private static long headIn(byte[] batch) {
        long[] height = {-1};
        try (WriteBatch wb = new WriteBatch(batch); HeadWrites handler = new HeadWrites(height)) {
            wb.iterate(handler);
        } catch (RocksDBException e) {
            return -1;
        }
        return height[0];
    }

    /** Picks the head record out of a WriteBatch (default column family, key "head"). */
    private static final class HeadWrites extends WriteBatch.Handler {
        private final long[] height;

        HeadWrites(long[] height) {
            this.height = height;
        }

        @Override
        public void put(int cf, byte[] key, byte[] value) {
            if (cf == 0) {
                put(key, value);
            }
        }

        @Override
        public void put(byte[] key, byte[] value) {
            if (Arrays.equals(key, LedgerStore.HEAD) && value.length >= 8) {
                height[0] = java.nio.ByteBuffer.wrap(value, 0, 8).getLong();
            }
        }

        @Override public void merge(int cf, byte[] key, byte[] value) { }
        @Override public void merge(byte[] key, byte[] value) { }
        @Override public void delete(int cf, byte[] key) { }
        @Override public void delete(byte[] key) { }
        @Override public void singleDelete(int cf, byte[] key) { }
        @Override public void singleDelete(byte[] key) { }
        @Override public void deleteRange(int cf, byte[] begin, byte[] end) { }
        @Override public void deleteRange(byte[] begin, byte[] end) { }
        @Override public void logData(byte[] blob) { }
        @Override public void putBlobIndex(int cf, byte[] key, byte[] value) { }
        @Override public void markBeginPrepare() { }
        @Override public void markEndPrepare(byte[] xid) { }
        @Override public void markNoop(boolean emptyBatch) { }
        @Override public void markRollback(byte[] xid) { }
        @Override public void markCommit(byte[] xid) { }
        @Override public void markCommitWithTimestamp(byte[] xid, byte[] ts) { }
    }
}
