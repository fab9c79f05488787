package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.ledger.store.LedgerStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader still holding a ledger that was closed under it (a Raft replica's ledger replaced by a
 * snapshot, or closed when the group removed the replica) gets a typed error, not a JVM crash
 * from RocksDB's freed native handles (before: SIGSEGV in RocksDB.get).
 */
class ClosedStoreTest {
    @TempDir
    Path dir;

    @Test
    void readsAndWritesAfterCloseFailTypedAndCloseIsIdempotent() throws Exception {
        TestNetwork net = new TestNetwork();
        Ledger ledger = Ledger.open(dir);
        Fixtures.buildSample(net, ledger);
        LedgerStore store = ledger.store();
        long height = store.head().height();
        ledger.close();
        assertThatThrownBy(() -> store.block(height)).isInstanceOfSatisfying(LedgerException.class,
                e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.STORE_FAILURE));
        assertThatThrownBy(() -> store.rawScan(LedgerStore.Family.STATE, (k, v) -> { })).isInstanceOf(LedgerException.class);
        store.close();
    }
}
