package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two networks that share everything but their name (same root certificate, same admin, same
 * member keys): a tx or a block signed for one must fail signature checks on the other.
 */
class NetworkIdTest {
    @TempDir
    Path dir;

    @Test
    void theIdBindsNameAndRoot() throws Exception {
        TestNetwork net = new TestNetwork();
        byte[] root = net.root.getEncoded();
        assertThat(NetworkId.of("alpha", root)).isEqualTo(NetworkId.of("alpha", root.clone()));
        assertThat(NetworkId.of("alpha", root)).isNotEqualTo(NetworkId.of("beta", root));
        assertThat(NetworkId.of("alpha", root)).isNotEqualTo(NetworkId.of("alpha", new TestNetwork().root.getEncoded()));
        // The length prefixes keep the split between name and certificate unambiguous.
        assertThat(NetworkId.of("ab", new byte[] {'c'})).isNotEqualTo(NetworkId.of("a", new byte[] {'b', 'c'}));
    }

    @Test
    void aTxOrBlockSignedForOneNetworkIsRefusedOnAnotherWithTheSameKeys() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        try (Ledger alpha = Ledger.open(dir.resolve("alpha")); Ledger beta = Ledger.open(dir.resolve("beta"));
                Ledger betaFollower = Ledger.open(dir.resolve("beta-follower"))) {
            alpha.genesis(net.admin, "alpha", List.of(net.admin.publicKey().getEncoded()), net.root.getEncoded(), TestNetwork.T0);
            beta.genesis(net.admin, "beta", List.of(net.admin.publicKey().getEncoded()), net.root.getEncoded(), TestNetwork.T0);
            betaFollower.append(beta.store().block(0));
            assertThat(alpha.network()).isNotEqualTo(beta.network());

            // The same admin registers alice on both, with the same nonce: only the network differs.
            Transaction registerOnAlpha = Transaction.sign(alpha.network(), net.admin, 2, net.register(alice));
            Transaction registerOnBeta = Transaction.sign(beta.network(), net.admin, 2, net.register(alice));
            assertThat(alpha.commit(List.of(registerOnAlpha), TestNetwork.T0.plusSeconds(1), net.admin).rejected()).isEmpty();

            // Replaying alpha's tx on beta: the signature does not verify there.
            List<StateMachine.Rejection> replay = beta.commit(List.of(registerOnAlpha), TestNetwork.T0.plusSeconds(1), net.admin)
                    .rejected();
            assertThat(replay).singleElement().satisfies(r -> {
                assertThat(r.reason()).isEqualTo(RejectReason.BAD_SIGNATURE);
                assertThat(r.message()).contains("for this network");
            });
            assertThat(registerOnAlpha.signatureValid(beta.network())).isFalse();
            assertThat(registerOnBeta.signatureValid(beta.network())).isTrue();

            assertThat(beta.commit(List.of(registerOnBeta), TestNetwork.T0.plusSeconds(2), net.admin).rejected()).isEmpty();

            // A beta block whose header is signed for alpha is refused by a beta follower.
            Block empty = beta.store().block(1);
            BlockHeader h1 = empty.header();
            BlockHeader forAlpha = BlockHeader.sign(alpha.network(), h1.format(), h1.height(), h1.previousHash(), h1.txRoot(), h1.stateRoot(),
                    h1.time(), h1.txCount(), net.admin);
            assertThatThrownBy(() -> betaFollower.append(new Block(forAlpha, empty.txs()))).isInstanceOfSatisfying(LedgerException.class,
                    e -> {
                        assertThat(e.code()).isEqualTo(LedgerErrorCode.INVALID_BLOCK);
                        assertThat(e.getMessage()).contains("block 1").contains("does not verify for this network");
                    });
            betaFollower.append(empty);
            // A beta block, correctly signed for beta, that carries alpha's tx: the tx is invalid there.
            BlockHeader h2 = beta.store().block(2).header();
            BlockHeader smuggling = BlockHeader.sign(beta.network(), h1.format(), 2, h1.hash(), Block.txRoot(h1.format(), List.of(registerOnAlpha)), h2.stateRoot(),
                    h2.time(), 1, net.admin);
            assertThatThrownBy(() -> betaFollower.append(new Block(smuggling, List.of(registerOnAlpha))))
                    .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.getMessage())
                            .contains("block 2").contains("is invalid").contains("for this network"));
            betaFollower.append(beta.store().block(2));

            // And alice's own txs behave the same way.
            TxBody create = TestNetwork.create(TestNetwork.assetId(1), 10, AssetPolicy.CREATOR_ONLY);
            Transaction aliceOnAlpha = Transaction.sign(alpha.network(), alice, 1, create);
            assertThat(alpha.commit(List.of(aliceOnAlpha), TestNetwork.T0.plusSeconds(3), net.admin).rejected()).isEmpty();
            assertThat(beta.commit(List.of(aliceOnAlpha), TestNetwork.T0.plusSeconds(3), net.admin).rejected())
                    .singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RejectReason.BAD_SIGNATURE));
        }
    }
}
