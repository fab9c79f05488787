package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.tx.TxType;
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
 * ASSET_VERSION_DELETE on a real ledger: deleting an earlier version is state (it moves the state
 * root and survives {@code verify}'s replay) and history (indexed with the asset), leaves the
 * asset's current version alone, and each rule refuses with its reason and changes nothing.
 */
class VersionDeleteTest {
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
                net.tx(alice, TestNetwork.create(asset, 1, AssetPolicy.ANY_HOLDER)));
        commitOk(net.tx(alice, update(2)), net.tx(alice, update(3)));
    }

    @AfterEach
    void tearDown() {
        ledger.close();
    }

    private TxBody.AssetUpdate update(long version) {
        return new TxBody.AssetUpdate(asset, version, Sha3.hash(new byte[] {(byte) version}), new byte[] {(byte) version});
    }

    private void commitOk(Transaction... txs) throws Exception {
        Ledger.CommitResult r = ledger.commit(List.of(txs), TestNetwork.T0.plusSeconds(ledger.height() + 1), net.admin);
        assertThat(r.rejected()).as("rejections").isEmpty();
    }

    private void assertRejected(Transaction tx, RejectReason reason) throws Exception {
        Hash256 before = ledger.stateRoot();
        Ledger.CommitResult r = ledger.commit(List.of(tx), TestNetwork.T0.plusSeconds(ledger.height() + 1), net.admin);
        net.rejected(tx);
        assertThat(r.rejected()).extracting(StateMachine.Rejection::reason).containsExactly(reason);
        assertThat(r.block().txs()).isEmpty();
        assertThat(ledger.stateRoot()).isEqualTo(before);
    }

    @Test
    void deletingAnEarlierVersionIsStateAndHistoryAndLeavesTheCurrentOne() throws Exception {
        Hash256 rootBefore = ledger.stateRoot();
        commitOk(net.tx(alice, new TxBody.AssetVersionDelete(asset, 1, "superseded")));
        assertThat(ledger.stateRoot()).isNotEqualTo(rootBefore);
        assertThat(ledger.state().versionDeleted(asset, 1)).isTrue();
        assertThat(ledger.state().versionDeleted(asset, 2)).isFalse();
        assertThat(ledger.state().asset(asset).version()).isEqualTo(3);
        assertThat(ledger.state().asset(asset).deleted()).isFalse();

        // the asset goes on: a new version, then the one before it can go too
        commitOk(net.tx(alice, update(4)), net.tx(alice, new TxBody.AssetVersionDelete(asset, 3, "superseded")));
        assertThat(ledger.state().versionDeleted(asset, 3)).isTrue();

        LedgerStore store = ledger.store();
        List<TxType> history = new ArrayList<>();
        for (Hash256 id : store.indexed(Indexes.ASSET_HISTORY, asset)) {
            history.add(store.tx(id).tx().type());
        }
        assertThat(history).containsExactly(TxType.ASSET_CREATE, TxType.ASSET_UPDATE, TxType.ASSET_UPDATE,
                TxType.ASSET_VERSION_DELETE, TxType.ASSET_UPDATE, TxType.ASSET_VERSION_DELETE);
        assertThat(new ChainVerifier(store, false).verify().ok()).isTrue();
    }

    @Test
    void eachRuleRefusesWithItsReasonAndChangesNothing() throws Exception {
        // the current version goes only with the asset; versions that never were cannot go
        assertRejected(net.tx(alice, new TxBody.AssetVersionDelete(asset, 3, "x")), RejectReason.STALE_VERSION);
        assertRejected(net.tx(alice, new TxBody.AssetVersionDelete(asset, 0, "x")), RejectReason.STALE_VERSION);
        assertRejected(net.tx(alice, new TxBody.AssetVersionDelete(asset, 7, "x")), RejectReason.STALE_VERSION);
        assertRejected(net.tx(alice, new TxBody.AssetVersionDelete(asset, -1, "x")), RejectReason.STALE_VERSION);
        // only who may change the asset (its holder under ANY_HOLDER)
        assertRejected(net.tx(bob, new TxBody.AssetVersionDelete(asset, 1, "x")), RejectReason.NOT_AUTHORIZED);
        assertRejected(net.tx(alice, new TxBody.AssetVersionDelete(TestNetwork.assetId(9), 1, "x")), RejectReason.UNKNOWN_ASSET);
        // once only
        commitOk(net.tx(alice, new TxBody.AssetVersionDelete(asset, 2, "x")));
        assertRejected(net.tx(alice, new TxBody.AssetVersionDelete(asset, 2, "again")), RejectReason.VERSION_DELETED);
        // a deleted asset takes no more changes
        commitOk(net.tx(alice, new TxBody.AssetDelete(asset, "retired")));
        assertRejected(net.tx(alice, new TxBody.AssetVersionDelete(asset, 1, "x")), RejectReason.ASSET_DELETED);
        assertThat(ledger.state().versionDeleted(asset, 1)).isFalse();
        assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
    }
}
