package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.ledger.store.CheckProgress;
import io.stoq.ledger.tx.TxBody;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A long open check says what it reads while it runs; a short one only when done (the caller logs that). */
class OpenCheckProgressTest {
    @TempDir
    Path tmp;

    @Test
    void aLargeCheckAnnouncesWhatItReadsAndReportsEachBlobFileAlongTheWay() throws Exception {
        Path dir = tmp.resolve("ledger");
        TestNetwork net = new TestNetwork();
        try (Ledger ledger = Ledger.open(dir)) {
            Fixtures.buildSample(net, ledger);
        }
        try (Ledger ledger = Ledger.open(dir)) { // replays the log: the txs go to a first blob file
            Fixtures.commit(net, ledger, List.of(net.tx(net.admin, new TxBody.ConfigChange("replicas", "2"))));
        }
        try (Ledger ledger = Ledger.open(dir)) { // and the new block's tx to a second
            assertThat(ledger.store().openCheck()).hasValueSatisfying(c -> assertThat(c.blobFiles()).isEqualTo(2));
        }

        List<String> quiet = new ArrayList<>();
        try (Ledger ledger = Ledger.open(dir, CheckProgress.to(quiet::add))) {
            assertThat(ledger.height()).isEqualTo(7);
        }
        assertThat(quiet).as("a check of well under a GiB says nothing until it is done").isEmpty();

        // As a node opens it: the summary of what the check read, nothing to warn about.
        List<String> info = new ArrayList<>();
        List<String> warn = new ArrayList<>();
        try (Ledger ledger = Ledger.open(dir, info::add, warn::add)) {
            assertThat(ledger.height()).isEqualTo(7);
        }
        assertThat(info).singleElement().asString().startsWith("ledger " + dir + ": ").contains("2 blob files");
        assertThat(warn).isEmpty();

        List<String> lines = new ArrayList<>();
        try (Ledger ledger = Ledger.open(dir, new CheckProgress(lines::add, 0, Duration.ZERO))) {
            assertThat(ledger.height()).isEqualTo(7);
        }
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("ledger: checking \\d+ tables \\(0 MiB\\) and 2 blob files \\(0 MiB\\) before it opens; each is read once");
        assertThat(lines.get(1)).matches("ledger: checked the tables and 1 of 2 blob files \\(0 of 0 MiB\\) in \\d+ s");
    }
}
