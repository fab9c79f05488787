package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoreDamageException;
import io.stoq.ledger.verify.ChainVerifier;
import io.stoq.ledger.verify.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One flipped byte in a real ledger's write-ahead log or tables is refused, naming the file and
 * the blocks at risk, while the torn tail a crash leaves during an unacknowledged write still
 * opens with every acknowledged block. Before this, RocksDB's point-in-time recovery opened the
 * damaged log with the later blocks silently gone.
 */
@Timeout(120)
class WalDamageTest {
    @TempDir
    Path tmp;

    /** Genesis plus six blocks in one session: the log holds one record per block, 0..6, in order. */
    private Path sample() throws Exception {
        Path dir = tmp.resolve("ledger");
        try (Ledger ledger = Ledger.open(dir)) {
            Fixtures.buildSample(new TestNetwork(), ledger);
            assertThat(ledger.height()).isEqualTo(6);
        }
        return dir;
    }

    /** Per block 0..6, its log record's physical parts (big blocks are split over 32 KiB log blocks). */
    private static List<List<WalFiles.Rec>> blockRecords(Path log) throws Exception {
        List<List<WalFiles.Rec>> records = WalFiles.logicalRecords(log);
        assertThat(records).as("one log record per block").hasSize(7);
        return records;
    }

    private static WalFiles.Rec lastPart(List<WalFiles.Rec> record) {
        return record.get(record.size() - 1);
    }

    @Test
    void aFlippedByteInAnAcknowledgedBlocksLogRecordIsRefusedNamingTheFileAndTheBlocksAtRisk() throws Exception {
        Path dir = sample();
        Path log = WalFiles.onlyLog(dir);
        WalFiles.Rec block3 = blockRecords(log).get(3).get(0);
        WalFiles.flip(log, block3.payloadStart() + block3.length() / 2);

        for (int attempt = 0; attempt < 2; attempt++) { // a refused open changes nothing: the same answer twice
            assertThatThrownBy(() -> Ledger.open(dir)).isInstanceOfSatisfying(StoreDamageException.class, e -> {
                assertThat(e.code()).isEqualTo(LedgerErrorCode.CORRUPT);
                assertThat(e.kind()).isEqualTo(StoreDamageException.Kind.LOG_RECORD);
                assertThat(e.fileName()).isEqualTo("ledger/" + log.getFileName());
                assertThat(e.getMessage()).startsWith("ledger/" + log.getFileName() + ": the log record at byte " + block3.offset())
                        .contains("fails its checksum")
                        .contains("blocks after height 2 cannot be proven intact")
                        .contains("blocks up to 6 beyond the damage")
                        .doesNotContain("\n");
            });
        }
        assertThatThrownBy(() -> LedgerStore.openReadOnly(dir)).isInstanceOfSatisfying(StoreDamageException.class,
                e -> assertThat(e.getMessage()).contains("blocks after height 2 cannot be proven intact"));
    }

    @Test
    void aTornTailFromACrashDuringAnUnacknowledgedWriteOpensWithEveryEarlierBlock() throws Exception {
        Path dir = sample();
        Path log = WalFiles.onlyLog(dir);
        WalFiles.Rec last = lastPart(blockRecords(log).get(6));
        // The crash came while block 6 was being written: it was never acknowledged.
        WalFiles.truncate(log, last.payloadStart() + last.length() / 2);

        try (Ledger ledger = Ledger.open(dir)) {
            assertThat(ledger.height()).isEqualTo(5);
            assertThat(ledger.store().recoveryNotes()).singleElement().asString()
                    .contains("ledger/" + log.getFileName()).contains("unacknowledged");
            VerifyReport report = new ChainVerifier(ledger.store(), false).verify();
            assertThat(report.ok()).as(report.reason()).isTrue();
            assertThat(report.blocks()).isEqualTo(6);
        }
        // Reopened after the repair, the log is clean again.
        try (Ledger ledger = Ledger.open(dir)) {
            assertThat(ledger.height()).isEqualTo(5);
            assertThat(ledger.store().recoveryNotes()).isEmpty();
        }
    }

    @Test
    void aCrashInsideARecordHeaderIsATornTailToo() throws Exception {
        Path dir = sample();
        Path log = WalFiles.onlyLog(dir);
        WalFiles.truncate(log, lastPart(blockRecords(log).get(6)).offset() + 3);
        try (Ledger ledger = Ledger.open(dir)) {
            assertThat(ledger.height()).isEqualTo(5);
            assertThat(ledger.store().recoveryNotes()).singleElement().asString().contains("record header");
        }
    }

    @Test
    void aFinishedLastRecordWhoseLengthWasDamagedIsNotTakenForATornWrite() throws Exception {
        // RocksDB's tolerant mode alone would drop block 6 here without a word: the inflated length
        // runs past the end of the file, which is what a torn write looks like.
        Path dir = sample();
        Path log = WalFiles.onlyLog(dir);
        WalFiles.Rec last = lastPart(blockRecords(log).get(6));
        WalFiles.flip(log, last.offset() + 5, 0x40); // high byte of the length: +16 KiB

        assertThatThrownBy(() -> Ledger.open(dir)).isInstanceOfSatisfying(StoreDamageException.class, e -> {
            assertThat(e.kind()).isEqualTo(StoreDamageException.Kind.LOG_RECORD);
            assertThat(e.getMessage()).contains("byte " + last.offset()).contains("length field is damaged")
                    .contains("blocks after height 5 cannot be proven intact");
        });
    }

    @Test
    void aFlippedByteInATableStopsAWritableOpenAndVerifyNamesTheFile() throws Exception {
        Path dir = sample();
        try (Ledger ledger = Ledger.open(dir)) {
            assertThat(ledger.height()).isEqualTo(6); // reopening replayed the log into tables
        }
        Map<LedgerStore.Family, Long> counts = new EnumMap<>(LedgerStore.Family.class);
        try (LedgerStore store = LedgerStore.openReadOnly(dir)) {
            for (LedgerStore.Family f : LedgerStore.Family.values()) {
                AtomicLong n = new AtomicLong();
                store.rawScan(f, (k, v) -> n.incrementAndGet());
                counts.put(f, n.get());
            }
        }
        Path table = WalFiles.largest(dir, ".sst");
        assertThat(table).as("tables after the recovery flush").isNotNull();
        WalFiles.flip(table, 20); // inside the first data block

        assertThatThrownBy(() -> Ledger.open(dir)).isInstanceOfSatisfying(StoreDamageException.class, e -> {
            assertThat(e.kind()).isEqualTo(StoreDamageException.Kind.TABLE);
            assertThat(e.fileName()).isEqualTo("ledger/" + table.getFileName());
            assertThat(e.getMessage()).startsWith("ledger/" + table.getFileName() + " (column family ").contains("fails its checksums")
                    .doesNotContain("\n");
        });
        try (LedgerStore store = LedgerStore.openReadOnly(dir)) {
            VerifyReport report = new ChainVerifier(store, false).verify();
            assertThat(report.ok()).isFalse();
            assertThat(report.damagedFile()).isEqualTo("ledger/" + table.getFileName());
            assertThat(report.reason()).contains("ledger/" + table.getFileName());
            // A scan that meets the damaged block fails; it never returns a shorter answer.
            int failed = 0;
            for (LedgerStore.Family f : LedgerStore.Family.values()) {
                AtomicLong n = new AtomicLong();
                try {
                    store.rawScan(f, (k, v) -> n.incrementAndGet());
                    assertThat(n.get()).as(f.name()).isEqualTo(counts.get(f));
                } catch (LedgerException e) {
                    assertThat(e.code()).isEqualTo(LedgerErrorCode.CORRUPT);
                    failed++;
                }
            }
            assertThat(failed).as("the family of the damaged table").isEqualTo(1);
        }
        assertThat(Files.exists(table)).isTrue();
    }

    /**
     * The txs' bytes live in blob files (LedgerStore.txsOptions), which RocksDB's own table check
     * does not read: a flipped byte in one, or a file cut short, must still stop a writable open
     * and fail verify, naming the file.
     */
    @Test
    void aDamagedBlobFileStopsAWritableOpenAndVerifyNamesTheFile() throws Exception {
        Path dir = sample();
        try (Ledger ledger = Ledger.open(dir)) {
            assertThat(ledger.height()).isEqualTo(6); // reopening replayed the log into tables and a blob file
        }
        try (Ledger ledger = Ledger.open(dir)) { // this open checked them: what it read is reported
            assertThat(ledger.store().openCheck()).hasValueSatisfying(c -> {
                assertThat(c.blobFiles()).isEqualTo(1);
                assertThat(c.blobBytes()).isPositive();
                assertThat(c.tables()).isPositive();
                assertThat(c.summary()).matches("checked \\d+ tables \\(\\d+ MiB\\) and 1 blob files \\(\\d+ MiB\\) in \\d+\\.\\d\\d s");
            });
        }
        Path blob = WalFiles.largest(dir, ".blob");
        assertThat(blob).as("tx bytes moved to a blob file by the recovery flush").isNotNull();
        Path intact = tmp.resolve("intact.blob");
        Files.copy(blob, intact);

        WalFiles.flip(blob, Files.size(blob) / 2);
        assertBlobRefused(dir, blob, "has a record whose key and value fail their checksum");

        Files.copy(intact, blob, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(blob, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(blob) - 10); // the footer cut short
        }
        assertBlobRefused(dir, blob, "is cut short");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(blob, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(blob) - 22 - 5000); // most of the last record gone too
        }
        assertBlobRefused(dir, blob, "is cut short");

        Files.copy(intact, blob, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (Ledger ledger = Ledger.open(dir)) { // the refusals changed nothing: restored, it opens whole
            assertThat(ledger.height()).isEqualTo(6);
        }
        try (LedgerStore store = LedgerStore.openReadOnly(dir)) {
            assertThat(new ChainVerifier(store, false).verify().ok()).isTrue();
        }
    }

    private static void assertBlobRefused(Path dir, Path blob, String problem) throws Exception {
        String name = "ledger/" + blob.getFileName();
        assertThatThrownBy(() -> Ledger.open(dir)).isInstanceOfSatisfying(StoreDamageException.class, e -> {
            assertThat(e.kind()).isEqualTo(StoreDamageException.Kind.BLOB_FILE);
            assertThat(e.fileName()).isEqualTo(name);
            assertThat(e.getMessage()).startsWith(name + " " + problem).contains("the txs whose bytes are stored in it")
                    .doesNotContain("\n");
        });
        try (LedgerStore store = LedgerStore.openReadOnly(dir)) {
            VerifyReport report = new ChainVerifier(store, false).verify();
            assertThat(report.ok()).isFalse();
            assertThat(report.damagedFile()).isEqualTo(name);
        }
    }
}
