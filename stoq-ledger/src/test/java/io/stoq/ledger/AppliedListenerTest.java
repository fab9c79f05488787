package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Ledger#onApplied}: a listener hears every durable block once, in order, whichever way it
 * came: built by {@code commit} (genesis too), by the pipelined {@code commitAll}, or made by
 * another ledger and {@code append}ed (a follower). When it hears a block, that block is the head.
 * A failing listener does not undo the block, and a closed subscription hears nothing more.
 */
@Timeout(60)
class AppliedListenerTest {
    @TempDir
    Path tmp;

    @Test
    void everyDurableBlockIsHeardOnceInOrderWhetherBuiltOrAppended() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey member = TestNetwork.newKey();
        try (Ledger leader = Ledger.open(tmp.resolve("leader")).parallelSignatures(true);
                Ledger follower = Ledger.open(tmp.resolve("follower"))) {
            List<Long> built = new CopyOnWriteArrayList<>();
            List<Long> heads = new CopyOnWriteArrayList<>();
            leader.onApplied(b -> {
                built.add(b.header().height());
                heads.add(leader.height());
            });
            leader.onApplied(b -> {
                throw new IllegalStateException("a broken listener");
            });
            List<Block> appended = new CopyOnWriteArrayList<>();
            AutoCloseable followerFeed = follower.onApplied(appended::add);

            net.genesis(leader);
            leader.commit(List.of(net.tx(net.admin, net.register(member))), TestNetwork.T0.plusSeconds(1), net.admin);
            List<List<Transaction>> batches = new ArrayList<>();
            for (int b = 0; b < 3; b++) {
                batches.add(List.of(net.tx(member, TestNetwork.create(TestNetwork.assetId(b), 5, AssetPolicy.ANY_HOLDER))));
            }
            leader.commitAll(batches, () -> TestNetwork.T0.plusSeconds(2), net.admin);

            assertThat(built).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(heads).isEqualTo(built);
            assertThat(leader.height()).isEqualTo(4);

            for (long h = 0; h <= 3; h++) {
                follower.append(leader.store().block(h));
            }
            assertThat(appended).extracting(b -> b.header().height()).containsExactly(0L, 1L, 2L, 3L);
            assertThat(appended.get(3).header().hash()).isEqualTo(leader.store().block(3).header().hash());
            followerFeed.close();
            follower.append(leader.store().block(4));
            assertThat(appended).hasSize(4);
            assertThat(follower.stateRoot()).isEqualTo(leader.stateRoot());
        }
    }
}
