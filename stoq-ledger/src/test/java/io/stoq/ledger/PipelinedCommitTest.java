package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Ledger#commitAll} applies a block while earlier ones are still being written: when it
 * stops half way (here the block clock fails at the fifth batch), every block that was written
 * is the ledger's head afterwards, nothing after it is stored, and the ledger goes on from
 * there with a chain that verifies. The agreement of a completed run with block-by-block
 * commits is DeterminismTest's.
 */
@Timeout(120)
class PipelinedCommitTest {
    @TempDir
    Path tmp;

    @Test
    void aRunStoppedHalfWayLeavesTheHeadOnTheLastWrittenBlock() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey member = TestNetwork.newKey();
        try (Ledger ledger = Ledger.open(tmp.resolve("l")).parallelSignatures(true)) {
            net.genesis(ledger);
            ledger.commit(List.of(net.tx(net.admin, net.register(member))), TestNetwork.T0, net.admin);
            List<List<Transaction>> batches = new ArrayList<>();
            for (int b = 0; b < 8; b++) {
                List<Transaction> batch = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    batch.add(net.tx(member, TestNetwork.create(TestNetwork.assetId(b * 100 + i), 5, AssetPolicy.ANY_HOLDER)));
                }
                batches.add(batch);
            }
            int[] calls = {0};
            Supplier<Instant> clock = () -> {
                if (++calls[0] == 5) {
                    throw new IllegalStateException("injected: the clock failed");
                }
                return TestNetwork.T0.plusSeconds(calls[0]);
            };
            assertThatThrownBy(() -> ledger.commitAll(batches, clock, net.admin)).hasMessageContaining("injected");

            // Blocks 2..5 (the first four batches) were written; the head is the last of them.
            assertThat(ledger.height()).isEqualTo(5);
            assertThat(ledger.store().head().height()).isEqualTo(5);
            assertThat(ledger.store().head().blockHash()).isEqualTo(ledger.head().hash());
            assertThat(ledger.store().blockRecord(6)).isNull();
            assertThat(ledger.state().asset(TestNetwork.assetId(300))).isNotNull();
            assertThat(ledger.state().asset(TestNetwork.assetId(400))).isNull();

            // It goes on from there: the rest of the batches commit, pipelined, and the chain verifies.
            int[] later = {10};
            List<Ledger.CommitResult> rest = ledger.commitAll(batches.subList(4, 8), () -> TestNetwork.T0.plusSeconds(later[0]++), net.admin);
            assertThat(rest).hasSize(4).allSatisfy(r -> assertThat(r.rejected()).isEmpty());
            assertThat(ledger.height()).isEqualTo(9);
            assertThat(new ChainVerifier(ledger.store(), true).verify().ok()).isTrue();
        }
    }

    /**
     * {@link Ledger#stateAfter}: what a writer plans the next block on while the previous one is
     * being written. It sees the unwritten proposals' effects (nonces, assets), still reads right
     * once they are written, and refuses a chain whose height another block took.
     */
    @Test
    void theStateAfterAnUnwrittenProposalIsWhatTheNextBlockIsBuiltOn() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey member = TestNetwork.newKey();
        try (Ledger ledger = Ledger.open(tmp.resolve("l"))) {
            net.genesis(ledger);
            ledger.commit(List.of(net.tx(net.admin, net.register(member))), TestNetwork.T0, net.admin);
            Ledger.Proposal first = ledger.build(List.of(net.tx(member, TestNetwork.create(TestNetwork.assetId(1), 1, AssetPolicy.ANY_HOLDER))),
                    TestNetwork.T0.plusSeconds(1), net.admin);
            assertThat(ledger.state().asset(TestNetwork.assetId(1))).as("not written yet").isNull();
            assertThat(ledger.stateAfter(first).asset(TestNetwork.assetId(1))).isNotNull();
            assertThat(ledger.stateAfter(first).nonce(TestNetwork.id(member))).isEqualTo(1);
            assertThat(ledger.stateAfter(null).nonce(TestNetwork.id(member))).isZero();

            Ledger.Proposal second = ledger.build(List.of(net.tx(member, TestNetwork.create(TestNetwork.assetId(2), 1, AssetPolicy.ANY_HOLDER))),
                    TestNetwork.T0.plusSeconds(2), net.admin, first);
            assertThat(second.rejected()).isEmpty();
            assertThat(ledger.stateAfter(second).nonce(TestNetwork.id(member))).isEqualTo(2);
            ledger.append(first);
            assertThat(ledger.stateAfter(second).asset(TestNetwork.assetId(2))).as("first written, second not").isNotNull();
            ledger.append(second);
            assertThat(ledger.stateAfter(second).nonce(TestNetwork.id(member))).isEqualTo(2);
            assertThat(ledger.state().asset(TestNetwork.assetId(2))).isNotNull();

            // A proposal whose height another block took is no base to plan on.
            Ledger.Proposal lost = ledger.build(List.of(net.tx(member, TestNetwork.create(TestNetwork.assetId(3), 1, AssetPolicy.ANY_HOLDER))),
                    TestNetwork.T0.plusSeconds(3), net.admin);
            net.rejected(lost.block().txs().get(0));
            ledger.commit(List.of(net.tx(member, TestNetwork.create(TestNetwork.assetId(4), 1, AssetPolicy.ANY_HOLDER))),
                    TestNetwork.T0.plusSeconds(4), net.admin);
            assertThatThrownBy(() -> ledger.stateAfter(lost)).isInstanceOfSatisfying(LedgerException.class,
                    e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.CONFLICT));
        }
    }
}
