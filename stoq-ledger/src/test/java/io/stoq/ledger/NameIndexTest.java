package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 name index as ledger state (BUCKET_CREATE, BUCKET_DELETE, NAME_BIND) on a real RocksDB
 * ledger: bindings survive a reopen, a bucket's keys scan in byte order from any point, the
 * bucket's key count follows binds and unbinds, and each rule refuses with its reason and
 * changes nothing.
 */
class NameIndexTest {
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
                net.tx(alice, TestNetwork.create(asset, 1, AssetPolicy.ANY_HOLDER)), net.tx(alice, new TxBody.BucketCreate("photos")));
    }

    @AfterEach
    void tearDown() {
        ledger.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private TxBody.NameBind bind(String key) {
        return new TxBody.NameBind("photos", utf8(key), asset, 1, utf8("etag-" + key));
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
        assertThat(ledger.stateRoot()).isEqualTo(before);
    }

    private List<String> keysFrom(String from, int limit) throws Exception {
        byte[] prefix = LedgerState.namesPrefix("photos");
        byte[] start = java.util.Arrays.copyOf(prefix, prefix.length + utf8(from).length);
        System.arraycopy(utf8(from), 0, start, prefix.length, utf8(from).length);
        List<String> out = new ArrayList<>();
        ledger.store().scanState(prefix, start, (k, v) -> {
            out.add(new String(k, prefix.length, k.length - prefix.length, StandardCharsets.UTF_8));
            return out.size() < limit;
        });
        return out;
    }

    @Test
    void bindingsAreOrderedStateThatSurvivesAReopenAndVerify() throws Exception {
        commitOk(net.tx(alice, bind("b/2")), net.tx(alice, bind("a")), net.tx(alice, bind("b/1")), net.tx(alice, bind("\u00e9t\u00e9")));
        assertThat(ledger.state().bucket("photos").objects()).isEqualTo(4);
        assertThat(keysFrom("", 10)).containsExactly("a", "b/1", "b/2", "\u00e9t\u00e9");
        assertThat(keysFrom("b/", 2)).containsExactly("b/1", "b/2");
        commitOk(net.tx(alice, bind("a"))); // a rebind is no new key
        assertThat(ledger.state().bucket("photos").objects()).isEqualTo(4);
        commitOk(net.tx(alice, new TxBody.NameBind("photos", utf8("a"), TxBody.NameBind.UNBIND, 0, new byte[0])));
        assertThat(ledger.state().objectName("photos", utf8("a"))).isNull();
        ledger.close();
        ledger = Ledger.open(dir.resolve("ledger"));
        StateRecords.ObjectName n = ledger.state().objectName("photos", utf8("b/1"));
        assertThat(n.assetId()).isEqualTo(asset);
        assertThat(n.attributes()).isEqualTo(utf8("etag-b/1"));
        assertThat(ledger.state().bucket("photos").objects()).isEqualTo(3);
        assertThat(ledger.state().bucket("photos").owner()).isEqualTo(TestNetwork.id(alice));
        assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
    }

    @Test
    void rulesRefuseAndChangeNothing() throws Exception {
        assertRejected(net.tx(bob, new TxBody.BucketCreate("photos")), RejectReason.ALREADY_EXISTS);
        assertRejected(net.tx(bob, new TxBody.BucketCreate("Bad_Name")), RejectReason.MALFORMED);
        assertRejected(net.tx(bob, bind("x")), RejectReason.NOT_AUTHORIZED);
        assertRejected(net.tx(alice, new TxBody.NameBind("nope", utf8("x"), asset, 1, new byte[0])), RejectReason.UNKNOWN_NAME);
        assertRejected(net.tx(alice, new TxBody.NameBind("photos", utf8("x"), TestNetwork.assetId(9), 1, new byte[0])),
                RejectReason.UNKNOWN_ASSET);
        assertRejected(net.tx(alice, new TxBody.NameBind("photos", utf8("x"), asset, 2, new byte[0])), RejectReason.STALE_VERSION);
        assertRejected(net.tx(alice, new TxBody.NameBind("photos", utf8("x"), TxBody.NameBind.UNBIND, 0, new byte[0])),
                RejectReason.UNKNOWN_NAME);
        commitOk(net.tx(alice, bind("x")));
        assertRejected(net.tx(alice, new TxBody.BucketDelete("photos")), RejectReason.NOT_EMPTY);
        assertRejected(net.tx(bob, new TxBody.BucketDelete("photos")), RejectReason.NOT_AUTHORIZED);
        commitOk(net.tx(alice, new TxBody.NameBind("photos", utf8("x"), TxBody.NameBind.UNBIND, 0, new byte[0])));
        commitOk(net.tx(net.admin, new TxBody.BucketDelete("photos"))); // an admin may delete anyone's empty bucket
        assertThat(ledger.state().bucket("photos")).isNull();
    }
}
