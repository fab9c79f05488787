package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.LedgerStore.Family;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.verify.ChainVerifier;
import io.stoq.ledger.verify.VerifyReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flips one bit of a stored block, tx, state, index or head value (many positions, fixed seeds) in
 * a copy of a real ledger and checks that verify finds it, naming the right block where the
 * damage is tied to one.
 */
class TamperTest {
    @TempDir
    static Path tmp;
    static Path template;
    static int copies;

    @BeforeAll
    static void build() throws Exception {
        template = tmp.resolve("template");
        TestNetwork net = new TestNetwork();
        try (Ledger ledger = Ledger.open(template)) {
            Fixtures.buildSample(net, ledger);
        }
        try (LedgerStore store = LedgerStore.openReadOnly(template)) {
            assertThat(new ChainVerifier(store, false).verify().ok()).isTrue();
        }
    }

    record Entry(byte[] key, byte[] value) {}

    static List<Entry> entries(Path dir, Family family) throws Exception {
        List<Entry> out = new ArrayList<>();
        try (LedgerStore store = LedgerStore.openReadOnly(dir)) {
            store.rawScan(family, (k, v) -> out.add(new Entry(k, v)));
        }
        return out;
    }

    /** Copies the template, flips bit {@code bit} of byte {@code at} in {@code e}'s value, verifies the copy. */
    static VerifyReport tamperAndVerify(Family family, Entry e, int at, int bit) throws Exception {
        Path copy = tmp.resolve("copy-" + copies++);
        Fixtures.copyTree(template, copy);
        byte[] bad = e.value().clone();
        bad[at] ^= (byte) (1 << bit);
        try (LedgerStore store = LedgerStore.open(copy)) {
            store.rawPut(family, e.key(), bad);
        }
        try (LedgerStore store = LedgerStore.openReadOnly(copy)) {
            return new ChainVerifier(store, false).verify();
        } finally {
            Fixtures.deleteTree(copy);
        }
    }

    @Test
    void flippedBlockBytesNameThatBlock() throws Exception {
        Random random = new Random(1);
        List<Entry> blocks = entries(template, Family.BLOCKS);
        for (int i = 0; i < 14; i++) {
            Entry e = blocks.get(i % blocks.size());
            long height = new CanonicalReader(e.key(), "key").u64("height");
            VerifyReport r = tamperAndVerify(Family.BLOCKS, e, random.nextInt(e.value().length), random.nextInt(8));
            assertThat(r.ok()).isFalse();
            assertThat(r.firstBadHeight()).as(r.reason()).isEqualTo(height);
            assertThat(r.reason()).startsWith("block " + height + ":");
        }
    }

    @Test
    void flippedTxBytesNameTheBlockHoldingTheTx() throws Exception {
        Random random = new Random(2);
        List<Entry> txs = entries(template, Family.TXS);
        for (int i = 0; i < 14; i++) {
            Entry e = txs.get(random.nextInt(txs.size()));
            long height = new CanonicalReader(e.value(), "tx record").u64("height");
            int at = random.nextInt(e.value().length);
            VerifyReport r = tamperAndVerify(Family.TXS, e, at, random.nextInt(8));
            assertThat(r.ok()).isFalse();
            if (at >= 8) { // a flip inside the height field itself may point elsewhere, but still fails
                assertThat(r.firstBadHeight()).as(r.reason()).isEqualTo(height);
            }
            assertThat(r.reason()).contains(Hash256.of(e.key()).toHex());
        }
    }

    @Test
    void flippedStateValuesAreFound() throws Exception {
        Random random = new Random(3);
        List<Entry> state = entries(template, Family.STATE);
        for (int i = 0; i < 14; i++) {
            Entry e = state.get(random.nextInt(state.size()));
            VerifyReport r = tamperAndVerify(Family.STATE, e, random.nextInt(e.value().length), random.nextInt(8));
            assertThat(r.ok()).isFalse();
            assertThat(r.reason()).contains("stored state value").contains("differs from the replay");
            assertThat(r.firstBadHeight()).isBetween(0L, 6L);
        }
    }

    @Test
    void flippedIndexAndHeadValuesAreFound() throws Exception {
        Random random = new Random(4);
        List<Entry> indexes = entries(template, Family.INDEXES);
        for (int i = 0; i < 5; i++) {
            Entry e = indexes.get(random.nextInt(indexes.size()));
            VerifyReport r = tamperAndVerify(Family.INDEXES, e, random.nextInt(e.value().length), random.nextInt(8));
            assertThat(r.ok()).isFalse();
            assertThat(r.reason()).contains("index");
        }
        Entry head = entries(template, Family.META).get(0);
        for (int at : new int[] {3, 20, 100, head.value().length - 1}) {
            VerifyReport r = tamperAndVerify(Family.META, head, at, 0);
            assertThat(r.ok()).isFalse();
        }
    }
}
