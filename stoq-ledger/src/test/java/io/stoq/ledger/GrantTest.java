package io.stoq.ledger;

import io.stoq.ledger.block.ChainFormat;
import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.StateHash;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.state.StateOverlay;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.tx.TxType;
import io.stoq.ledger.validate.BlockContext;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read grants on a real ledger: READ_GRANT / READ_REVOKE are state (they move the state root and
 * survive {@code verify}'s replay), they are indexed in the asset's history and the grantee's
 * txs, each rule refuses with a named reason and changes nothing, and an ownership change clears
 * them.
 */
class GrantTest {
    @TempDir
    Path dir;
    TestNetwork net;
    Ledger ledger;
    SigningKey alice;
    SigningKey bob;
    SigningKey carol;
    final Hash256 asset = TestNetwork.assetId(1);

    @BeforeEach
    void setUp() throws Exception {
        net = new TestNetwork();
        ledger = Ledger.open(dir.resolve("ledger"));
        net.genesis(ledger);
        alice = TestNetwork.newKey();
        bob = TestNetwork.newKey();
        carol = TestNetwork.newKey();
        commitOk(net.tx(net.admin, net.register(alice)), net.tx(net.admin, net.register(bob)),
                net.tx(net.admin, net.register(carol)),
                net.tx(alice, TestNetwork.create(asset, 1, AssetPolicy.ANY_HOLDER)));
    }

    @AfterEach
    void tearDown() {
        ledger.close();
    }

    private void commitOk(Transaction... txs) throws Exception {
        Ledger.CommitResult r = ledger.commit(List.of(txs), TestNetwork.T0.plusSeconds(ledger.height() + 1), net.admin);
        assertThat(r.rejected()).as("rejections").isEmpty();
    }

    private List<Hash256> grants(Hash256 assetId) throws Exception {
        return ledger.state().grants(assetId);
    }

    /** Commits {@code tx} alone, expects {@code reason}, and checks the state root did not move. */
    private void assertRejected(Transaction tx, RejectReason reason) throws Exception {
        Hash256 before = ledger.stateRoot();
        Ledger.CommitResult r = ledger.commit(List.of(tx), TestNetwork.T0.plusSeconds(ledger.height() + 1), net.admin);
        net.rejected(tx);
        assertThat(r.rejected()).extracting(StateMachine.Rejection::reason).as("%s", tx.type()).containsExactly(reason);
        assertThat(r.block().txs()).isEmpty();
        assertThat(ledger.stateRoot()).isEqualTo(before);
    }

    private List<TxType> types(List<Hash256> ids) throws Exception {
        List<TxType> out = new ArrayList<>();
        LedgerStore store = ledger.store();
        for (Hash256 id : ids) {
            out.add(store.tx(id).tx().type());
        }
        return out;
    }

    @Test
    void grantAndRevokeAreStateAndAppearInHistory() throws Exception {
        Hash256 rootBefore = ledger.stateRoot();
        commitOk(net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(bob))),
                net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(carol))));
        assertThat(grants(asset)).containsExactlyInAnyOrder(TestNetwork.id(bob), TestNetwork.id(carol));
        assertThat(grants(asset)).isSorted();
        Hash256 rootGranted = ledger.stateRoot();
        assertThat(rootGranted).isNotEqualTo(rootBefore);

        commitOk(net.tx(alice, new TxBody.ReadRevoke(asset, TestNetwork.id(bob))));
        assertThat(grants(asset)).containsExactly(TestNetwork.id(carol));
        commitOk(net.tx(alice, new TxBody.ReadRevoke(asset, TestNetwork.id(carol))));
        assertThat(grants(asset)).isEmpty();
        // With every grant gone the grant entry is gone too: the state is what it was before.
        byte[] grantKey = new byte[33];
        grantKey[0] = 0x0E;
        System.arraycopy(asset.toBytes(), 0, grantKey, 1, 32);
        assertThat(ledger.store().get(grantKey)).isNull();

        LedgerStore store = ledger.store();
        assertThat(types(store.indexed(Indexes.ASSET_HISTORY, asset))).containsExactly(TxType.ASSET_CREATE, TxType.READ_GRANT,
                TxType.READ_GRANT, TxType.READ_REVOKE, TxType.READ_REVOKE);
        assertThat(types(store.indexed(Indexes.ACCOUNT, TestNetwork.id(bob)))).containsExactly(TxType.READ_GRANT,
                TxType.READ_REVOKE);
        assertThat(new ChainVerifier(store, false).verify().ok()).isTrue();
    }

    @Test
    void eachGrantRuleRefusesWithItsReasonAndChangesNothing() throws Exception {
        commitOk(net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(bob))));
        // grant to an account the ledger does not know
        assertRejected(net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(TestNetwork.newKey()))),
                RejectReason.UNKNOWN_RECIPIENT);
        // duplicate grant
        assertRejected(net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(bob))), RejectReason.ALREADY_EXISTS);
        // revoke of a grant that does not exist
        assertRejected(net.tx(alice, new TxBody.ReadRevoke(asset, TestNetwork.id(carol))), RejectReason.NOT_GRANTED);
        // only the owner grants or revokes; a grantee is not an owner
        assertRejected(net.tx(bob, new TxBody.ReadGrant(asset, TestNetwork.id(carol))), RejectReason.NOT_AUTHORIZED);
        assertRejected(net.tx(carol, new TxBody.ReadRevoke(asset, TestNetwork.id(bob))), RejectReason.NOT_AUTHORIZED);
        // grant to self, and on an asset that does not exist
        assertRejected(net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(alice))), RejectReason.MALFORMED);
        assertRejected(net.tx(alice, new TxBody.ReadGrant(TestNetwork.assetId(99), TestNetwork.id(bob))),
                RejectReason.UNKNOWN_ASSET);
        // a deleted asset takes no grant and no revocation
        commitOk(net.tx(alice, new TxBody.AssetDelete(asset, "retired")));
        assertRejected(net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(carol))), RejectReason.ASSET_DELETED);
        assertRejected(net.tx(alice, new TxBody.ReadRevoke(asset, TestNetwork.id(bob))), RejectReason.ASSET_DELETED);
        assertThat(grants(asset)).containsExactly(TestNetwork.id(bob));
        assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
    }

    @Test
    void aTransferToANewOwnerClearsTheGrantsAndTheNewOwnerDecides() throws Exception {
        commitOk(net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(bob))));
        commitOk(net.tx(alice, new TxBody.TokenTransfer(asset, TestNetwork.id(carol), 1)));
        assertThat(grants(asset)).isEmpty();
        // The old owner has no say any more; the new one grants whom it likes (the old owner too).
        assertRejected(net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(bob))), RejectReason.NOT_AUTHORIZED);
        commitOk(net.tx(carol, new TxBody.ReadGrant(asset, TestNetwork.id(alice))));
        assertThat(grants(asset)).containsExactly(TestNetwork.id(alice));
        assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
    }

    @Test
    void onlyATransferThatChangesWhoDecidesClearsGrants() throws Exception {
        // CREATOR_ONLY: the creator decides whoever holds the tokens; grants survive transfers.
        Hash256 creatorOnly = TestNetwork.assetId(2);
        commitOk(net.tx(alice, TestNetwork.create(creatorOnly, 10, AssetPolicy.CREATOR_ONLY)),
                net.tx(alice, new TxBody.ReadGrant(creatorOnly, TestNetwork.id(bob))));
        commitOk(net.tx(alice, new TxBody.TokenTransfer(creatorOnly, TestNetwork.id(carol), 10)));
        assertThat(grants(creatorOnly)).containsExactly(TestNetwork.id(bob));

        // ANY_HOLDER, fractional: a transfer between existing holders that leaves both holding keeps them;
        // a new holder joining clears them.
        Hash256 shared = TestNetwork.assetId(3);
        commitOk(net.tx(alice, TestNetwork.create(shared, 10, AssetPolicy.ANY_HOLDER)),
                net.tx(alice, new TxBody.TokenTransfer(shared, TestNetwork.id(bob), 5)));
        commitOk(net.tx(alice, new TxBody.ReadGrant(shared, TestNetwork.id(carol))));
        commitOk(net.tx(alice, new TxBody.TokenTransfer(shared, TestNetwork.id(bob), 2)));
        assertThat(grants(shared)).containsExactly(TestNetwork.id(carol));
        commitOk(net.tx(bob, new TxBody.TokenTransfer(shared, TestNetwork.id(carol), 1)));
        assertThat(grants(shared)).isEmpty();

        // MAJORITY_HOLDER: alice keeps the majority (7 -> 6 of 10): kept; bob gains it: cleared.
        Hash256 majority = TestNetwork.assetId(4);
        commitOk(net.tx(alice, TestNetwork.create(majority, 10, AssetPolicy.MAJORITY_HOLDER)),
                net.tx(alice, new TxBody.TokenTransfer(majority, TestNetwork.id(bob), 3)));
        commitOk(net.tx(alice, new TxBody.ReadGrant(majority, TestNetwork.id(carol))));
        commitOk(net.tx(alice, new TxBody.TokenTransfer(majority, TestNetwork.id(carol), 1)));
        assertThat(grants(majority)).containsExactly(TestNetwork.id(carol));
        commitOk(net.tx(alice, new TxBody.TokenTransfer(majority, TestNetwork.id(bob), 3)));
        assertThat(grants(majority)).isEmpty();
        assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
    }

    @Test
    void anAssetHoldsAtMostMaxGrants() throws Exception {
        // Fill the asset's grant list to the limit directly in an overlay (registering 1024 real
        // accounts would only slow the test); the state machine must refuse the next grant.
        StateOverlay base = new StateOverlay(ledger.store());
        LedgerState seeded = new LedgerState(base);
        List<Hash256> full = new ArrayList<>();
        for (int i = 0; i < Limits.MAX_GRANTS; i++) {
            byte[] spki = Sha3.hash(new byte[] {(byte) i, (byte) (i >> 8)}).toBytes();
            seeded.putAccount(new StateRecords.Account(Role.MEMBER, spki));
            full.add(Sha3.hash(spki));
        }
        seeded.putGrants(asset, full);
        assertThat(seeded.grants(asset)).hasSize(Limits.MAX_GRANTS);
        BlockContext ctx = new BlockContext(ledger.height() + 1, TestNetwork.T0.plusSeconds(999));
        Transaction more = net.tx(alice, new TxBody.ReadGrant(asset, TestNetwork.id(bob)));
        StateMachine.Outcome o = StateMachine.apply(base, new StateHash(ChainFormat.CURRENT), ctx, List.of(more), false);
        assertThat(o.rejected()).extracting(StateMachine.Rejection::reason).containsExactly(RejectReason.LIMIT_EXCEEDED);
        // After one revocation there is room again.
        Transaction revoke = net.txWithNonce(alice, more.nonce(), new TxBody.ReadRevoke(asset, full.get(7)));
        Transaction grant = net.txWithNonce(alice, more.nonce() + 1, new TxBody.ReadGrant(asset, TestNetwork.id(bob)));
        StateMachine.Outcome ok = StateMachine.apply(base, new StateHash(ChainFormat.CURRENT), ctx, List.of(revoke, grant), false);
        assertThat(ok.rejected()).isEmpty();
        assertThat(new LedgerState(ok.writes()).grants(asset)).hasSize(Limits.MAX_GRANTS).contains(TestNetwork.id(bob))
                .doesNotContain(full.get(7));
    }
}
