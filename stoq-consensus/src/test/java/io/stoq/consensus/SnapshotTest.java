package io.stoq.consensus;

import static io.stoq.consensus.RaftLedgerTest.createAssets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.TestNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots are RocksDB checkpoints of the ledger: taken every few entries, old ones deleted, the
 * log purged up to them; the old leader, down while the new leader purged the entries it misses,
 * installs the new leader's snapshot, then replays the rest, and ends with the same verified ledger;
 * also when a crash interrupts that install.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SnapshotTest {
    @TempDir
    Path dir;

    @Test
    void anOldLeaderBehindThePurgedLogCatchesUpFromASnapshot() throws Exception {
        try (RaftCluster c = RaftCluster.start(dir, 3, 0, cfg -> cfg.withSnapshotEvery(4).withLogSegmentBytes(16 * 1024))) {
            SigningKey dora = TestNetwork.newKey();
            assertThat(c.leader().submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(dora)))).get(0).status())
                    .isEqualTo(TxOutcome.Status.COMMITTED);
            c.awaitConverged();
            // The leader goes down: it will have to catch up from a snapshot of the new leader.
            String lagging = c.leader().nodeId();
            long laggingApplied = c.get(lagging).appliedIndex();
            c.kill(lagging);

            // One block per write, far more entries than the snapshot interval.
            for (int i = 0; i < 24; i++) {
                assertThat(createAssets(c.leader(), dora, i, 1)).containsOnly(TxOutcome.Status.COMMITTED);
            }
            RaftLedger leader = c.leader();
            await().atMost(Duration.ofSeconds(30)).until(() -> leader.firstLogIndex() > laggingApplied + 1);
            // Ratis deletes the oldest just after it took a new one.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(leader.snapshotDirs()).as("old snapshots are deleted")
                    .hasSizeLessThanOrEqualTo(2).isNotEmpty());

            RaftLedger back = c.start(lagging);
            c.assertSameVerifiedLedger();
            assertThat(back.ledger().state().asset(RaftLedgerTest.assetOf(dora, 23))).isNotNull();
            assertThat(back.snapshotDirs()).as("it holds the leader's snapshot it installed").isNotEmpty();
            // And it keeps up with new writes after the install.
            assertThat(createAssets(back, dora, 24, 3)).containsOnly(TxOutcome.Status.COMMITTED);
            c.assertSameVerifiedLedger();
        }
    }

    /**
     * The same catch-up, with the old leader's disk "crashing" in the middle of installing the
     * snapshot (after its old ledger was moved aside, before the new one is in place: the ledger
     * directory is missing). It stops applying (fail-stop, SNAPSHOT_FAILURE); restarted, it finds
     * the old ledger back, installs the snapshot again from its state machine directory and ends
     * with the same verified ledger. Before, the restart opened an empty ledger under a snapshot index.
     */
    @Test
    void aCrashInTheMiddleOfASnapshotInstallRestartsIntoAConsistentLedger() throws Exception {
        try (RaftCluster c = RaftCluster.start(dir, 3, 0, cfg -> cfg.withSnapshotEvery(4).withLogSegmentBytes(16 * 1024))) {
            SigningKey dora = TestNetwork.newKey();
            assertThat(c.leader().submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(dora)))).get(0).status())
                    .isEqualTo(TxOutcome.Status.COMMITTED);
            c.awaitConverged();
            String lagging = c.leader().nodeId();
            long laggingApplied = c.get(lagging).appliedIndex();
            c.kill(lagging);
            for (int i = 0; i < 24; i++) {
                assertThat(createAssets(c.leader(), dora, i, 1)).containsOnly(TxOutcome.Status.COMMITTED);
            }
            RaftLedger leader = c.leader();
            await().atMost(Duration.ofSeconds(30)).until(() -> leader.firstLogIndex() > laggingApplied + 1);

            RaftLedger crashed;
            try (ConsensusFaults.Installed crash = ConsensusFaults.install(ConsensusFaults.INSTALL_OLD_MOVED, (node, index) -> {
                if (node.equals(lagging)) {
                    throw new java.io.IOException("crash between the renames (injected)");
                }
            })) {
                crashed = c.start(lagging);
                // Its ledger is closed from here on: only its failure is read, never its ledger.
                await().atMost(Duration.ofSeconds(60)).until(() -> crashed.failure().isPresent());
            }
            assertThat(crashed.failure().orElseThrow().code()).isEqualTo(ConsensusErrorCode.SNAPSHOT_FAILURE);
            c.kill(lagging);

            RaftLedger back = c.start(lagging);
            c.assertSameVerifiedLedger();
            assertThat(back.ledger().state().asset(RaftLedgerTest.assetOf(dora, 23))).isNotNull();
            assertThat(createAssets(back, dora, 24, 2)).containsOnly(TxOutcome.Status.COMMITTED);
            c.assertSameVerifiedLedger();
        }
    }
}
