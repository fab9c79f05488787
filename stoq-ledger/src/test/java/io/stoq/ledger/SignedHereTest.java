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
import io.stoq.ledger.validate.RejectReason;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tx is verified once per node: the node that signs it does not verify it again when it
 * applies its own block, and every other path still does. A tx decoded from bytes (another
 * node's block, the Raft log, the disk) is verified in full, forged ones are refused; a key
 * whose private half does not belong to its public half never gets a tx through; a tx signed
 * here for one network is checked in full on another.
 */
@Timeout(120)
class SignedHereTest {
    @TempDir
    Path dir;

    @Test
    void aTxSignedHereSkipsTheCheckButItsBytesAreVerifiedInFull() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        Transaction first = net.tx(alice, TestNetwork.create(TestNetwork.assetId(1), 1, AssetPolicy.CREATOR_ONLY));
        Transaction second = net.tx(alice, TestNetwork.create(TestNetwork.assetId(2), 1, AssetPolicy.CREATOR_ONLY));
        assertThat(first.signedHere(net.network)).as("the key pair's first signature is verified, then trusted").isTrue();
        assertThat(second.signedHere(net.network)).isTrue();
        assertThat(second.signatureValid(net.network)).isTrue();

        Transaction decoded = Transaction.decode(second.encoded());
        assertThat(decoded.signedHere(net.network)).as("bytes carry no trust").isFalse();
        assertThat(decoded.signatureValid(net.network)).isTrue();
        assertThat(flipLastSignatureByte(second).signatureValid(net.network)).as("forged copy").isFalse();

        NetworkId other = NetworkId.of("othernet", net.root.getEncoded());
        assertThat(second.signedHere(other)).isFalse();
        assertThat(second.signatureValid(other)).as("signed for another network").isFalse();
    }

    @Test
    void aKeyWhosePrivateHalfIsNotItsPublicHalfGetsNoTxThrough() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        SigningKey stranger = TestNetwork.newKey();
        // alice's public key with a stranger's private key: what a damaged or swapped key file gives
        SigningKey mismatched = new SigningKey(alice.algorithm(), stranger.privateKey(), alice.publicKey());
        try (Ledger ledger = Ledger.open(dir)) {
            net.genesis(ledger);
            Fixtures.commit(net, ledger, List.of(net.tx(net.admin, net.register(alice))));
            // alice's real pair is proven first, so the mismatched pair meets a proven entry for the same public key
            assertThat(net.txWithNonce(alice, 1, TestNetwork.create(TestNetwork.assetId(9), 1, AssetPolicy.CREATOR_ONLY))
                    .signedHere(net.network)).isTrue();
            for (int i = 1; i <= 3; i++) { // not only the first: no later tx of this pair may be trusted either
                Transaction tx = net.txWithNonce(mismatched, i, TestNetwork.create(TestNetwork.assetId(i), 1, AssetPolicy.CREATOR_ONLY));
                assertThat(tx.signedHere(net.network)).isFalse();
                assertThat(tx.signatureValid(net.network)).isFalse();
                Ledger.CommitResult r = ledger.commit(List.of(tx), TestNetwork.T0.plusSeconds(10 + i), net.admin);
                assertThat(r.rejected()).extracting(StateMachine.Rejection::reason).containsExactly(RejectReason.BAD_SIGNATURE);
            }
            assertThat(ledger.state().asset(TestNetwork.assetId(1))).isNull();
        }
    }

    @Test
    void aBlockWithAForgedTxFromElsewhereIsRefusedEvenWhenItsGoodTwinWasSignedHere() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        try (Ledger a = Ledger.open(dir.resolve("a")); Ledger b = Ledger.open(dir.resolve("b"))) {
            net.genesis(a);
            b.append(a.store().block(0));
            Ledger.Proposal good = a.build(List.of(net.tx(net.admin, net.register(alice))), TestNetwork.T0.plusSeconds(1), net.admin);
            Transaction signedHere = good.block().txs().get(0);
            assertThat(signedHere.signedHere(net.network)).isTrue();
            // A proposer (the admin proposes here) that puts a tx with a broken signature in a block
            // it signs properly: the header and merkle root are right, the tx is not.
            Transaction forged = flipLastSignatureByte(signedHere);
            BlockHeader h = good.block().header();
            BlockHeader header = BlockHeader.sign(net.network, h.format(), h.height(), h.previousHash(), Block.txRoot(h.format(), List.of(forged)),
                    h.stateRoot(), h.time(), 1, net.admin);
            assertThatThrownBy(() -> b.append(new Block(header, List.of(forged))))
                    .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.INVALID_BLOCK));
            assertThat(b.height()).isZero();
            // The same block as bytes (how it travels): the good one passes, as any node's would.
            b.append(new Block(h, List.of(Transaction.decode(signedHere.encoded()))));
            assertThat(b.height()).isEqualTo(1);
            assertThat(b.state().account(TestNetwork.id(alice))).isNotNull();
        }
    }

    private static Transaction flipLastSignatureByte(Transaction tx) throws Exception {
        byte[] encoded = tx.encoded();
        encoded[encoded.length - 1] ^= 0x01;
        return Transaction.decode(encoded);
    }
}
