package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.TestNetwork;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.validate.RejectReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ledger through Ratis with 3 voters and a listener: writes through a follower, the leader
 * killed and a new one elected, writes through any node, the old leader back and caught up; all
 * ledgers verify with one head and state root; the listener applies every block; a nonce spent
 * through one node is a replay through another.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RaftLedgerTest {
    @TempDir
    Path dir;

    @Test
    void threeVotersAndAListenerKeepOneLedgerThroughALeaderLoss() throws Exception {
        try (RaftCluster c = RaftCluster.start(dir, 3, 1, cfg -> cfg)) {
            List<Block> seenByListener = new CopyOnWriteArrayList<>();
            c.get("l1").onApplied(seenByListener::add);
            SigningKey alice = TestNetwork.newKey();
            SigningKey bob = TestNetwork.newKey();

            // Through a follower: it forwards to the leader and answers with the committed outcome.
            RaftLedger follower = c.follower();
            List<TxOutcome> registered = follower.submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(alice)),
                    c.net.tx(c.net.admin, c.net.register(bob))));
            assertThat(registered).extracting(TxOutcome::status).containsOnly(TxOutcome.Status.COMMITTED);
            assertThat(registered.get(0).height()).isGreaterThan(1);
            assertThat(follower.ledger().state().account(TestNetwork.id(alice))).as("the follower answers after its own apply").isNotNull();

            // A rejected tx is answered with its validation reason and changes nothing.
            Transaction unknown = c.net.tx(TestNetwork.newKey(), TestNetwork.create(TestNetwork.assetId(99), 1, AssetPolicy.CREATOR_ONLY));
            assertThat(follower.submitAndWait(List.of(unknown))).singleElement()
                    .satisfies(o -> assertThat(o.reason()).isEqualTo(RejectReason.UNKNOWN_SIGNER));

            assertThat(createAssets(c.follower(), alice, 0, 20)).containsOnly(TxOutcome.Status.COMMITTED);
            c.assertSameVerifiedLedger();

            // Kill the leader: a new one is elected and writes go on through every remaining node.
            RaftLedger oldLeader = c.leader();
            String oldId = oldLeader.nodeId();
            c.kill(oldId);
            RaftLedger newLeader = c.leader();
            assertThat(newLeader.nodeId()).isNotEqualTo(oldId);
            assertThat(createAssets(newLeader, alice, 20, 10)).containsOnly(TxOutcome.Status.COMMITTED);
            assertThat(createAssets(c.follower(), bob, 0, 10)).containsOnly(TxOutcome.Status.COMMITTED);
            assertThat(createAssets(c.get("l1"), bob, 10, 5)).as("a listener takes writes too").containsOnly(TxOutcome.Status.COMMITTED);

            // The old leader restarts on its directories and catches up.
            c.start(oldId);
            c.assertSameVerifiedLedger();
            assertThat(c.get(oldId).ledger().state().asset(assetOf(alice, 24))).isNotNull();
            assertThat(createAssets(c.get(oldId), alice, 30, 5)).containsOnly(TxOutcome.Status.COMMITTED);
            c.assertSameVerifiedLedger();

            // The listener applied every block after the bootstrap ones, in order.
            long height = c.get("l1").ledger().height();
            await().atMost(Duration.ofSeconds(10)).until(() -> !seenByListener.isEmpty()
                    && seenByListener.get(seenByListener.size() - 1).header().height() == height);
            for (int i = 1; i < seenByListener.size(); i++) {
                assertThat(seenByListener.get(i).header().height()).isEqualTo(seenByListener.get(i - 1).header().height() + 1);
            }
        }
    }

    @Test
    void fiveVotersLoseTwoAndKeepWriting() throws Exception {
        try (RaftCluster c = RaftCluster.start(dir, 5, 0, cfg -> cfg)) {
            SigningKey erin = TestNetwork.newKey();
            assertThat(c.follower().submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(erin)))).get(0).status())
                    .isEqualTo(TxOutcome.Status.COMMITTED);
            assertThat(createAssets(c.follower(), erin, 0, 10)).containsOnly(TxOutcome.Status.COMMITTED);
            // Two of five down, the leader among them: three still make a majority.
            String leader = c.leader().nodeId();
            String follower = c.follower().nodeId();
            c.kill(leader);
            c.kill(follower);
            assertThat(c.leader().nodeId()).isNotIn(leader, follower);
            assertThat(createAssets(c.follower(), erin, 10, 10)).containsOnly(TxOutcome.Status.COMMITTED);
            c.start(leader);
            c.start(follower);
            assertThat(createAssets(c.get(follower), erin, 20, 5)).containsOnly(TxOutcome.Status.COMMITTED);
            c.assertSameVerifiedLedger();
            assertThat(c.running).hasSize(5);
        }
    }

    @Test
    void aNonceSpentThroughOneNodeIsAReplayThroughAnother() throws Exception {
        try (RaftCluster c = RaftCluster.start(dir, 3, 0, cfg -> cfg)) {
            SigningKey carol = TestNetwork.newKey();
            assertThat(c.leader().submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(carol)))).get(0).status())
                    .isEqualTo(TxOutcome.Status.COMMITTED);
            // Two different txs with carol's nonce 1, signed for two nodes and submitted at once.
            Transaction viaA = c.net.txWithNonce(carol, 1, TestNetwork.create(TestNetwork.assetId(1), 10, AssetPolicy.CREATOR_ONLY));
            Transaction viaB = c.net.txWithNonce(carol, 1, TestNetwork.create(TestNetwork.assetId(2), 10, AssetPolicy.CREATOR_ONLY));
            List<RaftLedger> nodes = List.copyOf(c.running.values());
            CompletableFuture<List<TxOutcome>> a = nodes.get(0).submit(List.of(viaA));
            CompletableFuture<List<TxOutcome>> b = nodes.get(1).submit(List.of(viaB));
            TxOutcome oa = a.get(60, TimeUnit.SECONDS).get(0);
            TxOutcome ob = b.get(60, TimeUnit.SECONDS).get(0);
            assertThat(List.of(oa.status(), ob.status())).containsExactlyInAnyOrder(TxOutcome.Status.COMMITTED, TxOutcome.Status.REJECTED);
            TxOutcome lost = oa.status() == TxOutcome.Status.REJECTED ? oa : ob;
            assertThat(lost.reason()).isEqualTo(RejectReason.REPLAY);
            c.assertSameVerifiedLedger();
            boolean aWon = oa.status() == TxOutcome.Status.COMMITTED;
            for (RaftLedger l : nodes) {
                assertThat(l.ledger().state().asset(TestNetwork.assetId(aWon ? 1 : 2))).isNotNull();
                assertThat(l.ledger().state().asset(TestNetwork.assetId(aWon ? 2 : 1))).isNull();
            }
            // Submitting the committed tx again is not a second spend: it answers with where it committed.
            Transaction winner = aWon ? viaA : viaB;
            TxOutcome again = nodes.get(2).submitAndWait(List.of(winner)).get(0);
            assertThat(again.status()).isEqualTo(TxOutcome.Status.COMMITTED);
            assertThat(again.height()).isEqualTo((aWon ? oa : ob).height());
        }
    }

    private static final Map<Hash256, Long> NONCES = new ConcurrentHashMap<>();

    /** The id of {@code owner}'s asset number {@code n}. */
    static Hash256 assetOf(SigningKey owner, int n) {
        return Sha3.hash(TestNetwork.id(owner).toBytes(), Integer.toString(n).getBytes(StandardCharsets.UTF_8));
    }

    /** Creates {@code owner}'s assets {@code from .. from+count-1} through {@code node} (its next nonces); their statuses. */
    static List<TxOutcome.Status> createAssets(RaftLedger node, SigningKey owner, int from, int count) throws Exception {
        List<Transaction> txs = new ArrayList<>();
        Hash256 id = TestNetwork.id(owner);
        for (int i = 0; i < count; i++) {
            txs.add(Transaction.sign(node.ledger().network(), owner, NONCES.merge(id, 1L, Long::sum),
                    TestNetwork.create(assetOf(owner, from + i), 100, AssetPolicy.CREATOR_ONLY)));
        }
        return node.submitAndWait(txs).stream().map(TxOutcome::status).toList();
    }
}
