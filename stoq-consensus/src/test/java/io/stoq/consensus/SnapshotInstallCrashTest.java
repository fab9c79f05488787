package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.TestNetwork;
import io.stoq.ledger.block.BlockHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.ratis.server.protocol.TermIndex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash at each step of a snapshot install ({@link LedgerSnapshots#restore}, fault points
 * {@code raft.install.*}) with the leader's snapshot already in the state machine directory, as
 * Ratis leaves it before the state machine installs it: the next start
 * ({@link LedgerSnapshots#openRecovered}) opens a ledger holding exactly the snapshot's blocks
 * (same head, same state root) and leaves no staging or replaced directory behind. Without the
 * recovery, a crash before the swap restarts on the old, lower ledger (and Ratis replays only the
 * log after the snapshot: blocks that cannot link), and a crash between the renames on an empty
 * ledger.
 */
class SnapshotInstallCrashTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {ConsensusFaults.INSTALL_BEGIN, ConsensusFaults.INSTALL_STAGED, ConsensusFaults.INSTALL_OLD_MOVED,
            ConsensusFaults.INSTALL_SWAPPED})
    void aCrashAtEachInstallStepRestartsIntoTheSnapshotsLedger(String point) throws Exception {
        TestNetwork net = new TestNetwork();
        Path leaderDir = dir.resolve("leader");
        Path follower = dir.resolve("follower").resolve("ledger");
        Files.createDirectories(follower.getParent());
        Path smDir = dir.resolve("follower").resolve("sm");
        BlockHeader expected;
        LedgerSnapshots snapshots = new LedgerSnapshots("follower");
        snapshots.init(smDir);
        try (Ledger leader = Ledger.open(leaderDir)) {
            net.genesis(leader);
            commit(net, leader, 1);
            leader.checkpoint(follower); // the follower fell behind at height 1
            for (int i = 2; i <= 4; i++) {
                commit(net, leader, i);
            }
            expected = leader.head();
            snapshots.take(leader, TermIndex.valueOf(2, 40)); // stands for the snapshot Ratis received from the leader
        }
        assertThat(snapshots.latestHeight()).isEqualTo(expected.height());

        try (ConsensusFaults.Installed crash = ConsensusFaults.install(point, (node, index) -> {
            throw new IOException("crash at " + point);
        })) {
            assertThatThrownBy(() -> snapshots.restore(follower)).hasMessageContaining("crash at " + point);
        }

        LedgerSnapshots restarted = new LedgerSnapshots("follower");
        restarted.init(smDir);
        try (Ledger l = restarted.openRecovered(follower, SnapshotInstallCrashTest::open)) {
            assertThat(l.height()).isEqualTo(expected.height());
            assertThat(l.head().hash()).isEqualTo(expected.hash());
            assertThat(l.head().stateRoot()).isEqualTo(expected.stateRoot());
        }
        assertThat(follower.resolveSibling("ledger.installing")).doesNotExist();
        assertThat(follower.resolveSibling("ledger.replaced")).doesNotExist();
        assertThat(follower.resolve(LedgerSnapshots.META)).as("the height record stays with the snapshot").doesNotExist();
    }

    private static Ledger open(Path d) throws IOException {
        try {
            return Ledger.open(d);
        } catch (LedgerException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void commit(TestNetwork net, Ledger ledger, int n) throws Exception, LedgerException {
        SigningKey k = TestNetwork.newKey();
        ledger.commit(List.of(net.tx(net.admin, net.register(k))), TestNetwork.T0.plusSeconds(n), net.admin);
    }
}
