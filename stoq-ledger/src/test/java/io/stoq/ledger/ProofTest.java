package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.proof.ProofBuilder;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.proof.ProofVerifier;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProofTest {
    @TempDir
    Path dir;

    @Test
    void bundlesVerifyOfflineAgainstTheRootAndNothingElse() throws Exception {
        TestNetwork net = new TestNetwork();
        NodeKeys node = NodeKeys.generate();
        List<byte[]> chain = net.nodeChain("node-1", node, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(30)));
        SigningKey alice = TestNetwork.newKey();
        SigningKey bob = TestNetwork.newKey();
        try (Ledger ledger = Ledger.open(dir)) {
            net.genesis(ledger);
            Transaction register = net.tx(net.admin, new TxBody.NodeRegister(chain));
            Instant t1 = TestNetwork.T0.plusSeconds(5);
            assertThat(ledger.commit(List.of(register, net.tx(net.admin, net.register(alice)), net.tx(net.admin, net.register(bob))), t1,
                    net.admin).rejected()).isEmpty();
            Transaction create = net.tx(alice, TestNetwork.create(TestNetwork.assetId(1), 100, AssetPolicy.ANY_HOLDER));
            Transaction transfer = net.tx(alice, new TxBody.TokenTransfer(TestNetwork.assetId(1), TestNetwork.id(bob), 40));
            Transaction location = net.tx(node.falcon(),
                    new TxBody.LocationProof(TestNetwork.assetId(1), 1, "node-1", List.of(Sha3.hash(new byte[] {1}))));
            assertThat(ledger.commit(List.of(create, transfer, location), t1.plusSeconds(1), node.falcon()).rejected()).isEmpty();

            for (Transaction tx : List.of(create, transfer, location)) {
                ProofBundle bundle = ProofBundle.decode(ProofBuilder.build(ledger.store(), tx.id()).encode());
                ProofVerifier.Verified v = ProofVerifier.verify(bundle, net.root);
                assertThat(v.tx()).isEqualTo(tx);
                assertThat(v.header().height()).isEqualTo(2);
                assertThat(v.proposerNode()).isEqualTo("node-1");
                assertThat(v.signerNode()).isEqualTo(tx == location ? "node-1" : null);
            }
            ProofBundle good = ProofBuilder.build(ledger.store(), transfer.id());
            // Another network's root does not vouch for this proposer.
            assertInvalid(good, new TestNetwork().root, "under this root");
            // Any flipped byte in the encoded bundle is caught.
            byte[] encoded = good.encode();
            for (int at = 9; at < encoded.length; at += Math.max(1, encoded.length / 60)) {
                byte[] bad = encoded.clone();
                bad[at] ^= 0x01;
                assertThatThrownBy(() -> ProofVerifier.verify(ProofBundle.decode(bad), net.root)).as("flip at %d", at)
                        .isInstanceOf(LedgerException.class);
            }
            // A block proposed by an admin account (no certificate) cannot be anchored to the root.
            ProofBundle adminBlock = ProofBuilder.build(ledger.store(), register.id());
            assertInvalid(adminBlock, net.root, "without a node certificate");
            assertThatThrownBy(() -> ProofBuilder.build(ledger.store(), Sha3.hash(new byte[] {42})))
                    .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.NOT_FOUND));
        }
    }

    private static void assertInvalid(ProofBundle bundle, java.security.cert.X509Certificate root, String why) {
        assertThatThrownBy(() -> ProofVerifier.verify(bundle, root)).isInstanceOfSatisfying(LedgerException.class, e -> {
            assertThat(e.code()).isEqualTo(LedgerErrorCode.PROOF_INVALID);
            assertThat(e.getMessage()).contains(why);
        });
    }
}
