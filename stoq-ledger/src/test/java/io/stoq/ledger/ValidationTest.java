package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rejection rule against a real ledger: the reason is named and the state does not change. */
class ValidationTest {
    @TempDir
    Path dir;
    TestNetwork net;
    Ledger ledger;
    SigningKey alice;
    SigningKey bob;
    final Hash256 asset = TestNetwork.assetId(1);

    @BeforeEach
    void setUp() throws Exception {
        net = new TestNetwork();
        ledger = Ledger.open(dir.resolve("ledger"));
        net.genesis(ledger);
        alice = TestNetwork.newKey();
        bob = TestNetwork.newKey();
        commitOk(net.tx(net.admin, net.register(alice)), net.tx(net.admin, net.register(bob)),
                net.tx(alice, TestNetwork.create(asset, 1000, AssetPolicy.ANY_HOLDER)));
    }

    @AfterEach
    void tearDown() {
        ledger.close();
    }

    private void commitOk(Transaction... txs) throws Exception {
        Ledger.CommitResult r = ledger.commit(List.of(txs), TestNetwork.T0.plusSeconds(ledger.height() + 1), net.admin);
        assertThat(r.rejected()).as("rejections").isEmpty();
    }

    /** Commits {@code tx} alone, expects {@code reason}, and checks nothing in the state moved. */
    private void assertRejected(Transaction tx, RejectReason reason) throws Exception {
        Hash256 before = ledger.stateRoot();
        long aliceBalance = ledger.state().balance(asset, TestNetwork.id(alice));
        Ledger.CommitResult r = ledger.commit(List.of(tx), TestNetwork.T0.plusSeconds(ledger.height() + 1), net.admin);
        net.rejected(tx);
        assertThat(r.rejected()).extracting(StateMachine.Rejection::reason).containsExactly(reason);
        assertThat(r.block().txs()).isEmpty();
        assertThat(ledger.stateRoot()).isEqualTo(before);
        assertThat(r.header().stateRoot()).isEqualTo(before);
        assertThat(ledger.state().balance(asset, TestNetwork.id(alice))).isEqualTo(aliceBalance);
    }

    @Test
    void validTransferMovesTokensAndVerifies() throws Exception {
        commitOk(net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 250)));
        assertThat(ledger.state().balance(asset, TestNetwork.id(alice))).isEqualTo(750);
        assertThat(ledger.state().balance(asset, TestNetwork.id(bob))).isEqualTo(250);
        assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
    }

    @Test
    void replayIsRejected() throws Exception {
        Transaction transfer = net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 10));
        commitOk(transfer);
        assertRejected(transfer, RejectReason.REPLAY);
    }

    @Test
    void nonceGapIsRejected() throws Exception {
        assertRejected(net.txWithNonce(alice, 5, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 10)),
                RejectReason.NONCE_GAP);
    }

    @Test
    void forgedSignatureIsRejected() throws Exception {
        Transaction real = net.txWithNonce(alice, 2, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 10));
        byte[] bytes = real.encoded();
        bytes[bytes.length - 10] ^= 0x40; // inside the signature
        assertRejected(Transaction.decode(bytes), RejectReason.BAD_SIGNATURE);
        // A signature by bob's key presented with alice's public key is a forgery too.
        Transaction bobs = net.txWithNonce(bob, 1, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 10));
        byte[] forged = spliceSigner(bobs, alice);
        assertRejected(Transaction.decode(forged), RejectReason.BAD_SIGNATURE);
    }

    @Test
    void unknownSignerIsRejected() throws Exception {
        SigningKey mallory = TestNetwork.newKey();
        assertRejected(net.txWithNonce(mallory, 1, TestNetwork.create(TestNetwork.assetId(9), 5, AssetPolicy.CREATOR_ONLY)),
                RejectReason.UNKNOWN_SIGNER);
    }

    @Test
    void transferByNonHolderIsRejected() throws Exception {
        assertRejected(net.tx(bob, new TxBody.TokenTransfer(asset, TestNetwork.id(alice), 1)), RejectReason.NOT_A_HOLDER);
    }

    @Test
    void overspendIsRejected() throws Exception {
        commitOk(net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 100)));
        assertRejected(net.tx(bob, new TxBody.TokenTransfer(asset, TestNetwork.id(alice), 101)), RejectReason.INSUFFICIENT_BALANCE);
    }

    @Test
    void updateOfDeletedAssetIsRejected() throws Exception {
        commitOk(net.tx(alice, new TxBody.AssetDelete(asset, "retired")));
        assertThat(ledger.state().asset(asset).deleted()).isTrue();
        assertRejected(net.tx(alice, new TxBody.AssetUpdate(asset, 2, asset, new byte[0])), RejectReason.ASSET_DELETED);
        assertRejected(net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 1)), RejectReason.ASSET_DELETED);
    }

    @Test
    void authorityRulesAreEnforced() throws Exception {
        // A member cannot register accounts or change config.
        assertRejected(net.tx(alice, new TxBody.AccountRegister(TestNetwork.newKey().publicKey().getEncoded(), Role.ADMIN)),
                RejectReason.NOT_AUTHORIZED);
        assertRejected(net.tx(alice, new TxBody.ConfigChange("replicas", "3")), RejectReason.NOT_AUTHORIZED);
        // CREATOR_ONLY: a holder who is not the creator may not update.
        Hash256 owned = TestNetwork.assetId(2);
        commitOk(net.tx(alice, TestNetwork.create(owned, 10, AssetPolicy.CREATOR_ONLY)),
                net.tx(alice, new TxBody.TokenTransfer(owned, TestNetwork.id(bob), 9)));
        assertRejected(net.tx(bob, new TxBody.AssetUpdate(owned, 2, owned, new byte[0])), RejectReason.NOT_AUTHORIZED);
        // MAJORITY_HOLDER: 9 of 10 lets bob update; alice's 1 does not.
        Hash256 shared = TestNetwork.assetId(3);
        commitOk(net.tx(alice, TestNetwork.create(shared, 10, AssetPolicy.MAJORITY_HOLDER)),
                net.tx(alice, new TxBody.TokenTransfer(shared, TestNetwork.id(bob), 6)),
                net.tx(bob, new TxBody.AssetUpdate(shared, 2, shared, new byte[0])));
        assertRejected(net.tx(alice, new TxBody.AssetUpdate(shared, 3, shared, new byte[0])), RejectReason.NOT_AUTHORIZED);
        assertRejected(net.tx(bob, new TxBody.AssetUpdate(shared, 2, shared, new byte[0])), RejectReason.STALE_VERSION);
        assertRejected(net.tx(alice, TestNetwork.create(shared, 1, AssetPolicy.ANY_HOLDER)), RejectReason.ALREADY_EXISTS);
        assertRejected(net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(TestNetwork.newKey()), 1)),
                RejectReason.UNKNOWN_RECIPIENT);
        assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
    }

    @Test
    void schemaAndSizeLimitsAreEnforcedBeforeAnythingIsStored() throws Exception {
        Hash256 big = TestNetwork.assetId(7);
        assertRejected(net.tx(alice, new TxBody.AssetCreate(big, "big", big, new byte[5000], 10, AssetPolicy.ANY_HOLDER)),
                RejectReason.MALFORMED);
        assertRejected(net.tx(alice, new TxBody.AssetCreate(big, "zero", big, new byte[0], 0, AssetPolicy.ANY_HOLDER)),
                RejectReason.MALFORMED);
        assertRejected(net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), -5)), RejectReason.MALFORMED);
        assertRejected(net.tx(net.admin, new TxBody.ConfigChange("Bad Key!", "x")), RejectReason.MALFORMED);
        assertRejected(net.tx(net.admin, new TxBody.Genesis("again", List.of(net.admin.publicKey().getEncoded()),
                net.root.getEncoded())), RejectReason.ALREADY_EXISTS);
        assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
    }

    @Test
    void onlyAdminsAndNodesMayProposeBlocks() throws Exception {
        Hash256 before = ledger.stateRoot();
        long height = ledger.height();
        Transaction tx = net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ledger.commit(List.of(tx), TestNetwork.T0.plusSeconds(99), alice))
                .isInstanceOfSatisfying(LedgerException.class, e -> {
                    assertThat(e.code()).isEqualTo(LedgerErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains("not an admin or an active node");
                });
        assertThat(ledger.height()).isEqualTo(height);
        assertThat(ledger.stateRoot()).isEqualTo(before);
        assertThat(ledger.state().balance(asset, TestNetwork.id(bob))).isZero();
        commitOk(tx); // the same tx, proposed by an admin, goes through
    }

    @Test
    void aRejectedTxInABatchLeavesTheOthersApplied() throws Exception {
        Transaction good = net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(bob), 5));
        Transaction bad = net.tx(bob, new TxBody.TokenTransfer(asset, TestNetwork.id(alice), 50));
        Ledger.CommitResult r = ledger.commit(List.of(good, bad), TestNetwork.T0.plusSeconds(100), net.admin);
        assertThat(r.block().txs()).containsExactly(good);
        assertThat(r.rejected()).extracting(StateMachine.Rejection::reason).containsExactly(RejectReason.INSUFFICIENT_BALANCE);
        assertThat(ledger.state().nonce(TestNetwork.id(bob))).isZero();
    }

    /** Re-encodes {@code tx} with {@code impostor}'s public key in place of the real signer's. */
    private static byte[] spliceSigner(Transaction tx, SigningKey impostor) throws Exception {
        byte[] real = tx.signerSpki();
        byte[] fake = impostor.publicKey().getEncoded();
        assertThat(fake.length).isEqualTo(real.length);
        byte[] bytes = tx.encoded();
        // signer SPKI starts after version, type, algorithm (3 bytes) and its u32 length.
        System.arraycopy(fake, 0, bytes, 7, fake.length);
        return bytes;
    }
}
