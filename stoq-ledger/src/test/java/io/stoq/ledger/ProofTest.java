package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.proof.ProofBuilder;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.proof.ProofVerifier;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Honest bundles from a real ledger: what verifies, and that tampering and missing evidence do not. */
class ProofTest {
    static final Instant NOW = TestNetwork.T0.plus(Duration.ofHours(1));

    @TempDir
    Path dir;

    @Test
    void bundlesVerifyOfflineAgainstTheRootAndTheirCrl() throws Exception {
        TestNetwork net = new TestNetwork();
        NodeKeys node = NodeKeys.generate();
        List<byte[]> chain = net.nodeChain("node-1", node, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(30)));
        X509CRL crl = net.crl(TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(7)), Map.of());
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
                ProofBundle bundle = ProofBundle.decode(ProofBuilder.build(ledger.store(), tx.id(), List.of(crl.getEncoded())).encode());
                ProofVerifier.Verified v = ProofVerifier.verify(bundle, net.root, NOW, List.of());
                assertThat(v.tx()).isEqualTo(tx);
                assertThat(v.header().height()).isEqualTo(2);
                assertThat(v.network()).isEqualTo(TestNetwork.NAME);
                assertThat(v.networkId()).isEqualTo(ledger.network());
                assertThat(v.proposerNode()).isEqualTo("node-1");
                assertThat(v.proposer().roles()).contains(NodeRole.VOTER);
                assertThat(v.signerNode()).isEqualTo(tx == location ? "node-1" : null);
                assertThat(v.crl().thisUpdate()).isEqualTo(crl.getThisUpdate().toInstant());
                assertThat(v.crl().number()).isNotNull();
            }
            ProofBundle good = ProofBuilder.build(ledger.store(), transfer.id(), List.of(crl.getEncoded()));
            // Another network's root does not vouch for this proposer.
            assertInvalid(good, new TestNetwork().root, List.of(), "proposer certificate chain rejected");
            // Any flipped byte in the encoded bundle is caught.
            byte[] encoded = good.encode();
            for (int at = 9; at < encoded.length; at += Math.max(1, encoded.length / 80)) {
                byte[] bad = encoded.clone();
                bad[at] ^= 0x01;
                assertThatThrownBy(() -> ProofVerifier.verify(ProofBundle.decode(bad), net.root, NOW, List.of())).as("flip at %d", at)
                        .isInstanceOf(LedgerException.class);
            }
            // A block proposed by an admin account (no certificate) cannot be anchored to the root.
            ProofBundle adminBlock = ProofBuilder.build(ledger.store(), register.id(), List.of(crl.getEncoded()));
            assertInvalid(adminBlock, net.root, List.of(), "without a node certificate");
            assertThatThrownBy(() -> ProofBuilder.build(ledger.store(), Sha3.hash(new byte[] {42})))
                    .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.NOT_FOUND));

            // Revocation evidence: none at all is refused; the verifier's own CRL stands in for a missing or stale one.
            ProofBundle bare = ProofBuilder.build(ledger.store(), transfer.id());
            assertInvalid(bare, net.root, List.of(), "the bundle carries none; give the verifier the CA's current crl.pem");
            assertThat(ProofVerifier.verify(bare, net.root, NOW, List.of(crl)).proposerNode()).isEqualTo("node-1");
            X509CRL stale = net.crl(TestNetwork.T0.minus(Duration.ofDays(9)), TestNetwork.T0.minus(Duration.ofDays(2)), Map.of());
            ProofBundle old = ProofBuilder.build(ledger.store(), transfer.id(), List.of(stale.getEncoded()));
            assertInvalid(old, net.root, List.of(), "no CRL is current at " + NOW + ": the newest, dated");
            assertThat(ProofVerifier.verify(old, net.root, NOW, List.of(crl)).crl().thisUpdate()).isEqualTo(crl.getThisUpdate().toInstant());
            // The bundle's CRL goes stale with time: a week later the same bundle needs a fresh one.
            assertThatThrownBy(() -> ProofVerifier.verify(good, net.root, NOW.plus(Duration.ofDays(8)), List.of()))
                    .hasMessageContaining("no CRL is current");
            // A CRL signed by another CA under the same name is not evidence, it is a forgery.
            TestNetwork impostor = new TestNetwork();
            X509CRL foreign = impostor.crl(TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(7)), Map.of());
            assertInvalid(bare, net.root, List.of(foreign), "is not signed by its key (forged or altered)");
            byte[] notACrl = crl.getEncoded().clone();
            notACrl[0] = 0x01;
            ProofBundle junk = new ProofBundle(good.network(), good.tx(), good.inclusion(), good.header(), good.proposerChain(),
                    good.signerChain(), List.of(notACrl));
            assertInvalid(junk, net.root, List.of(crl), "not a DER X.509 CRL");
        }
    }

    static void assertInvalid(ProofBundle bundle, X509Certificate root, List<X509CRL> crls, String why) {
        assertThatThrownBy(() -> ProofVerifier.verify(bundle, root, NOW, crls)).isInstanceOfSatisfying(LedgerException.class, e -> {
            assertThat(e.code()).isEqualTo(LedgerErrorCode.PROOF_INVALID);
            assertThat(e.getMessage()).startsWith("proof invalid: ").contains(why);
        });
    }
}
