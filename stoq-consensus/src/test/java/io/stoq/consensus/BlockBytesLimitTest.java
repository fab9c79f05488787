package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.TestNetwork;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * More txs queued at once than fit in one Raft log entry are split over several blocks by bytes,
 * not only by {@code raft.max-block-txs}. Before, the leader built one block of all of them, Ratis
 * refused to append an entry over its 4 MiB appender buffer and the leader stepped down; every
 * next leader built the same block and stepped down too, and the txs never committed ({@code
 * stoq bench raft}: "1022 of 5000 txs did not commit", StepDownReason STATE_MACHINE_EXCEPTION).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BlockBytesLimitTest {
    @TempDir
    Path dir;

    @Test
    void txsOverOneEntrysWorthCommitInSeveralBlocksUnderOneLeader() throws Exception {
        // A long block interval gathers every tx of the submission into one batch.
        try (RaftCluster c = RaftCluster.start(dir, 3, 0,
                cfg -> cfg.withBlockInterval(Duration.ofMillis(500)).withSubmitTimeout(Duration.ofSeconds(20)))) {
            SigningKey alice = TestNetwork.newKey();
            assertThat(c.leader().submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(alice)))))
                    .extracting(TxOutcome::status).containsOnly(TxOutcome.Status.COMMITTED);
            c.awaitConverged();
            List<Transaction> txs = new ArrayList<>();
            long bytes = 0;
            for (int i = 1; bytes <= BlockProposer.MAX_BLOCK_TX_BYTES * 5L / 4; i++) {
                Transaction tx = c.net.tx(alice, TestNetwork.create(TestNetwork.assetId(i), 1, AssetPolicy.CREATOR_ONLY));
                txs.add(tx);
                bytes += tx.size();
            }
            assertThat(txs.size()).as("fewer than raft.max-block-txs, so only the byte limit can split them").isLessThan(2000);

            RaftLedger leader = c.leader();
            long height = leader.ledger().height();
            assertThat(leader.submitAndWait(txs)).hasSize(txs.size()).extracting(TxOutcome::status)
                    .containsOnly(TxOutcome.Status.COMMITTED);

            assertThat(c.leader().nodeId()).as("the leader never stepped down").isEqualTo(leader.nodeId());
            assertThat(leader.ledger().height()).as("split over at least two blocks").isGreaterThanOrEqualTo(height + 2);
            c.assertSameVerifiedLedger();
        }
    }
}
