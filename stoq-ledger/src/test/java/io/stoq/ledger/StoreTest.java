package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.tx.TxType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store across reopen, and the asset-history, ownership-chain and by-account indexes. */
class StoreTest {
    @TempDir
    Path dir;

    @Test
    void reopenContinuesFromTheHeadAndIndexesAnswerHistoryQueries() throws Exception {
        TestNetwork net = new TestNetwork();
        List<SigningKey> members;
        Hash256 root;
        long height;
        try (Ledger ledger = Ledger.open(dir)) {
            members = Fixtures.buildSample(net, ledger);
            root = ledger.stateRoot();
            height = ledger.height();
        }
        try (Ledger ledger = Ledger.open(dir)) {
            assertThat(ledger.height()).isEqualTo(height);
            assertThat(ledger.stateRoot()).isEqualTo(root);
            Fixtures.commit(net, ledger, List.of(net.tx(members.get(0),
                    new TxBody.TokenTransfer(TestNetwork.assetId(1), TestNetwork.id(members.get(2)), 1))));
            LedgerStore store = ledger.store();

            Hash256 a1 = TestNetwork.assetId(1);
            assertThat(types(store, store.indexed(Indexes.ASSET_HISTORY, a1))).containsExactly(TxType.ASSET_CREATE, TxType.ASSET_UPDATE);
            assertThat(types(store, store.indexed(Indexes.OWNERSHIP, a1))).containsExactly(TxType.ASSET_CREATE, TxType.TOKEN_TRANSFER,
                    TxType.TOKEN_TRANSFER, TxType.TOKEN_TRANSFER, TxType.TOKEN_TRANSFER);
            assertThat(types(store, store.indexed(Indexes.ASSET_HISTORY, TestNetwork.assetId(2))))
                    .containsExactly(TxType.ASSET_CREATE, TxType.ASSET_UPDATE, TxType.ASSET_DELETE);
            // Member 2 signed an update and a transfer, and received two transfers.
            List<Hash256> byAccount = store.indexed(Indexes.ACCOUNT, TestNetwork.id(members.get(2)));
            assertThat(types(store, byAccount)).containsExactly(TxType.TOKEN_TRANSFER, TxType.ASSET_UPDATE, TxType.TOKEN_TRANSFER,
                    TxType.TOKEN_TRANSFER);
            StoredTx first = store.tx(byAccount.get(0));
            assertThat(store.block(first.height()).txs().get(first.index()).id()).isEqualTo(byAccount.get(0));
            for (Hash256 id : byAccount) {
                StoredTx t = store.tx(id);
                assertThat(store.txPlace(id)).as("the place read without decoding the tx").isEqualTo(new LedgerStore.TxPlace(t.height(), t.index()));
            }
            assertThat(store.txPlace(TestNetwork.assetId(99))).as("an unknown tx").isNull();
            assertThat(ledger.state().asset(TestNetwork.assetId(2)).deleted()).isTrue();
            assertThat(ledger.state().asset(TestNetwork.assetId(2)).version()).isEqualTo(2);
        }
        // A second writer cannot open the same directory (RocksDB's lock): a typed error, not a crash.
        try (Ledger ledger = Ledger.open(dir)) {
            assertThatThrownBy(() -> Ledger.open(dir)).isInstanceOfSatisfying(LedgerException.class,
                    e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.STORE_FAILURE));
            assertThatThrownBy(() -> ledger.genesis(net.admin, "again", List.of(), net.root.getEncoded(), TestNetwork.T0))
                    .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.CONFLICT));
        }
        assertThatThrownBy(() -> LedgerStore.openReadOnly(dir.resolve("missing")))
                .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.NOT_FOUND));
    }

    private static List<TxType> types(LedgerStore store, List<Hash256> ids) throws Exception {
        List<TxType> out = new java.util.ArrayList<>();
        for (Hash256 id : ids) {
            out.add(store.tx(id).tx().type());
        }
        return out;
    }
}
