package io.stoq.ledger.bench;

import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.Transaction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The baseline the ledger is measured against: the same tx bytes written as {@code id -> bytes}
 * in batches of the same size, one synced WriteBatch per batch, into a scratch RocksDB that is
 * deleted afterwards. No decoding, validation, state or indexes: the storage engine's own durable
 * commit rate for this data.
 */
final class RawRocksBaseline {
    static {
        RocksDB.loadLibrary();
    }

    private RawRocksBaseline() {}

    static Duration measure(Path scratchParent, List<Transaction> txs, int batchSize) throws LedgerException, IOException {
        Path scratch = Files.createTempDirectory(scratchParent, "stoq-bench-baseline-");
        byte[][] keys = new byte[txs.size()][];
        byte[][] values = new byte[txs.size()][];
        for (int i = 0; i < txs.size(); i++) {
            keys[i] = txs.get(i).id().toBytes();
            values[i] = txs.get(i).encoded();
        }
        try (Options options = new Options().setCreateIfMissing(true);
                RocksDB db = RocksDB.open(options, scratch.toString());
                WriteOptions sync = new WriteOptions().setSync(true)) {
            long start = System.nanoTime();
            for (int from = 0; from < txs.size(); from += batchSize) {
                try (WriteBatch batch = new WriteBatch()) {
                    for (int i = from; i < Math.min(txs.size(), from + batchSize); i++) {
                        batch.put(keys[i], values[i]);
                    }
                    db.write(sync, batch);
                }
            }
            return Duration.ofNanos(System.nanoTime() - start);
        } catch (RocksDBException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "baseline RocksDB failed: " + e.getMessage(), e);
        } finally {
            try (Stream<Path> files = Files.walk(scratch)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
