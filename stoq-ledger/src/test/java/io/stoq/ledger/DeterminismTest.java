package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Determinism: two independent stores fed the same ordered batches (valid and invalid txs mixed,
 * read grants and revocations among them)
 * reach identical state roots after every block; a third store that appends the first one's blocks
 * as a follower agrees too; and the chain verifies.
 */
class DeterminismTest {
    static TestNetwork net;
    static List<SigningKey> members;

    @BeforeContainer
    static void keys() throws Exception {
        net = new TestNetwork();
        members = List.of(TestNetwork.newKey(), TestNetwork.newKey(), TestNetwork.newKey());
    }

    @AfterContainer
    static void done() {
        net = null;
    }

    /** One generated operation: kind, actor, counterparty, asset, amount. */
    record Op(int kind, int actor, int other, int asset, long amount) {}

    @Provide
    Arbitrary<List<List<Op>>> batches() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 8), Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 2), Arbitraries.longs().between(1, 700))
                .as(Op::new);
        return op.list().ofMinSize(0).ofMaxSize(30).list().ofMinSize(1).ofMaxSize(5);
    }

    @Property(tries = 10)
    void sameBatchesGiveSameStateRoots(@ForAll("batches") List<List<Op>> batches) throws Exception {
        Path tmp = Files.createTempDirectory("ledger-det");
        List<List<Transaction>> fed = new ArrayList<>();
        try (Ledger a = Ledger.open(tmp.resolve("a")); Ledger b = Ledger.open(tmp.resolve("b")).parallelSignatures(true);
                Ledger follower = Ledger.open(tmp.resolve("c")); Ledger pipelined = Ledger.open(tmp.resolve("d"))) {
            List<Transaction> setup = new ArrayList<>();
            Map<Hash256, Long> nonces = new HashMap<>();
            TxBody.Genesis founding = new TxBody.Genesis("det", List.of(net.admin.publicKey().getEncoded()), net.root.getEncoded());
            Transaction genesis = Transaction.sign(NetworkId.of(founding), net.admin, 1, founding);
            nonces.put(TestNetwork.id(net.admin), 1L);
            fed.add(List.of(genesis));
            feed(a, b, follower, List.of(genesis), 0);
            for (SigningKey m : members) {
                setup.add(sign(nonces, net.admin, net.register(m)));
            }
            fed.add(setup);
            feed(a, b, follower, setup, 1);
            int height = 2;
            for (List<Op> batch : batches) {
                List<Transaction> txs = new ArrayList<>();
                for (Op op : batch) {
                    txs.add(sign(nonces, members.get(op.actor()), body(op)));
                }
                fed.add(txs);
                feed(a, b, follower, txs, height++);
                for (SigningKey m : members) { // rejected txs do not use up nonces
                    nonces.put(TestNetwork.id(m), a.state().nonce(TestNetwork.id(m)));
                }
            }
            // The pipelined path (next batch's signatures checked while this one commits) agrees block by block.
            java.util.Iterator<Instant> times = java.util.stream.IntStream.range(0, fed.size())
                    .mapToObj(i -> TestNetwork.T0.plusSeconds(i)).iterator();
            List<Ledger.CommitResult> results = pipelined.parallelSignatures(true).commitAll(fed, times::next, net.admin);
            for (Ledger.CommitResult r : results) {
                assertThat(r.header().stateRoot()).isEqualTo(a.store().header(r.header().height()).stateRoot());
            }
            assertThat(pipelined.stateRoot()).isEqualTo(a.stateRoot());
            // The root kept up block by block (old values from the block overlay's read cache) is
            // the set hash of the whole state computed from nothing.
            io.stoq.ledger.state.StateHash fresh = new io.stoq.ledger.state.StateHash(a.head().format());
            a.store().forEachState(fresh::add);
            assertThat(fresh.root()).isEqualTo(a.stateRoot());
            assertThat(new ChainVerifier(b.store(), false).verify().ok()).isTrue();
        } finally {
            Fixtures.deleteTree(tmp);
        }
    }

    private static TxBody body(Op op) {
        Hash256 asset = TestNetwork.assetId(op.asset());
        Hash256 other = TestNetwork.id(members.get(op.other()));
        return switch (op.kind()) {
            case 0, 1 -> TestNetwork.create(asset, 1 + op.amount(), AssetPolicy.values()[op.other()]);
            case 2, 3 -> new TxBody.TokenTransfer(asset, other, op.amount());
            case 4 -> new TxBody.AssetUpdate(asset, 1 + op.amount() % 3, other, new byte[] {(byte) op.amount()});
            case 5 -> new TxBody.AssetDelete(asset, "gone");
            case 6 -> new TxBody.ReadGrant(asset, other);
            case 8 -> new TxBody.AssetVersionDelete(asset, 1 + op.amount() % 3, "pruned");
            default -> new TxBody.ReadRevoke(asset, other);
        };
    }

    private static Transaction sign(Map<Hash256, Long> nonces, SigningKey key, TxBody body) throws Exception {
        return Transaction.sign(NetworkId.of("det", net.root.getEncoded()), key, nonces.merge(TestNetwork.id(key), 1L, Long::sum), body);
    }

    private static void feed(Ledger a, Ledger b, Ledger follower, List<Transaction> txs, int height) throws Exception {
        Instant time = TestNetwork.T0.plusSeconds(height);
        Ledger.CommitResult ra = a.commit(txs, time, net.admin);
        Ledger.CommitResult rb = b.commit(txs, time, net.admin);
        assertThat(ra.header().stateRoot()).isEqualTo(rb.header().stateRoot());
        assertThat(ra.header().txRoot()).isEqualTo(rb.header().txRoot());
        assertThat(ra.rejected().size()).isEqualTo(rb.rejected().size());
        assertThat(a.stateRoot()).isEqualTo(b.stateRoot());
        follower.append(new Block(ra.header(), ra.block().txs()));
        assertThat(follower.stateRoot()).isEqualTo(a.stateRoot());
    }
}
