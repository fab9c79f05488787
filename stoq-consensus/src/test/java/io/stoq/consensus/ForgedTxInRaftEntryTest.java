package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.TestNetwork;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node does not verify again the txs it signed itself (Transaction#signedHere), but a block
 * that reaches a replica through the Raft log is decoded from bytes and every tx in it is
 * verified: a properly signed block (an authorised proposer, the right merkle root) holding a tx
 * with a broken signature is appended by no replica, even in this process, where the tx's good
 * twin was signed and is trusted.
 *
 * <p>Every replica refuses it (INVALID_BLOCK) and goes on: such a block is not damage to any
 * replica's store, and every replica judges it alike. Before, each replica took the refusal for
 * damage of its own and fail-stopped, so one bad block from one authorised proposer stopped the
 * whole group.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ForgedTxInRaftEntryTest {
    @TempDir
    Path dir;

    @Test
    void aForgedTxInARaftEntryIsRefusedByEveryReplica() throws Exception {
        try (RaftCluster c = RaftCluster.start(dir, 3, 0, cfg -> cfg)) {
            SigningKey alice = TestNetwork.newKey();
            assertThat(c.leader().submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(alice)))))
                    .extracting(TxOutcome::status).containsOnly(TxOutcome.Status.COMMITTED);
            c.awaitConverged();

            Transaction good = c.net.tx(alice, TestNetwork.create(TestNetwork.assetId(1), 1, AssetPolicy.CREATOR_ONLY));
            assertThat(good.signedHere(c.net.network)).as("signed in this process").isTrue();
            byte[] encoded = good.encoded();
            encoded[encoded.length - 1] ^= 0x01;
            Transaction forged = Transaction.decode(encoded);

            RaftLedger leader = c.leader();
            Ledger ledger = leader.ledger();
            long height = ledger.height();
            Hash256 stateRoot = ledger.stateRoot();
            List<Block> appended = new CopyOnWriteArrayList<>();
            for (RaftLedger l : List.of(leader, c.follower())) {
                l.onApplied(appended::add);
            }
            // The admin may propose (bootstrap and recovery), so only the tx is wrong in this block.
            BlockHeader header = BlockHeader.sign(c.net.network, ledger.head().format(), height + 1, ledger.head().hash(),
                    Block.txRoot(ledger.head().format(), List.of(forged)),
                    stateRoot, ledger.head().time().plusMillis(1), 1, c.net.admin);
            Block bad = new Block(header, List.of(forged));
            assertThat(leader.proposeBlock(bad)).as("the block is refused, not applied").isFalse();
            assertThat(appended).as("no replica appended the block").isEmpty();
            assertThat(ledger.height()).isEqualTo(height);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.running.values().stream().allMatch(l -> l.refusedBlocks() == 1));
            assertThat(c.running.values()).allSatisfy(l -> assertThat(l.failure()).as(l.nodeId() + " fail-stopped").isEmpty());

            // The group goes on: the good twin commits on every replica.
            assertThat(c.leader().submitAndWait(List.of(good))).extracting(TxOutcome::status).containsOnly(TxOutcome.Status.COMMITTED);
            c.assertSameVerifiedLedger();
            assertThat(c.leader().ledger().height()).isEqualTo(height + 1);
        }
    }
}
