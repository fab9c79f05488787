package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format 3: one signature for a signer's txs of one block. Each tx must still stand alone (its own
 * id, nonce, verdict and proof), every byte of it must be covered, and what it carries of its
 * siblings (their salted leaf hashes) must not let a holder confirm a guess at them.
 */
@Timeout(120)
class BatchSignatureTest {
    @TempDir
    Path dir;

    @Test
    void aBatchSharesOneSignatureAndEachTxVerifiesAlone() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        List<Transaction> batch = net.batch(alice, create(1), create(2), create(3), create(4), create(5));
        assertThat(batch).hasSize(5).allMatch(Transaction::batchSigned);
        assertThat(batch).extracting(Transaction::nonce).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(batch.stream().map(tx -> Arrays.hashCode(tx.signature())).distinct()).as("one signature").hasSize(1);
        assertThat(batch.stream().map(Transaction::id).distinct()).hasSize(5);
        for (Transaction tx : batch) {
            assertThat(tx.encoded()[0]).isEqualTo((byte) Transaction.BATCH_FORMAT_VERSION);
            Transaction decoded = Transaction.decode(tx.encoded());
            assertThat(decoded).isEqualTo(tx);
            assertThat(decoded.signedHere(net.network)).as("bytes carry no trust").isFalse();
            assertThat(decoded.signatureValid(net.network)).isTrue();
            assertThat(decoded.signatureValid(NetworkId.of("othernet", net.root.getEncoded()))).isFalse();
        }
        assertThat(net.batch(alice, create(6))).singleElement().matches(tx -> !tx.batchSigned(), "one body is signed alone")
                .matches(tx -> tx.encoded()[0] == Transaction.FORMAT_VERSION);
    }

    @Test
    void everyByteOfABatchTxIsCovered() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        Transaction tx = net.batch(alice, create(1), create(2), create(3)).get(2);
        byte[] good = tx.encoded();
        int signatureStart = good.length - tx.signature().length - (Transaction.SALT_BYTES + 12 + 32); // leaf 2 of 3: one sibling
        for (int at = 0; at < good.length; at++) {
            if (at >= signatureStart && at < signatureStart + tx.signature().length - 64) {
                continue; // the middle of the signature: covered by the signature tests of the crypto module; keeps this test short
            }
            byte[] bad = good.clone();
            bad[at] ^= 0x01;
            Transaction decoded;
            try {
                decoded = Transaction.decode(bad);
            } catch (LedgerException e) {
                assertThat(e.code()).as("flip at %d", at).isEqualTo(LedgerErrorCode.MALFORMED);
                continue;
            }
            assertThat(decoded.signatureValid(net.network)).as("flip at %d of %d", at, good.length).isFalse();
        }
    }

    @Test
    void malformedBatchPositionsAreRefusedByName() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        byte[] good = net.batch(alice, create(1), create(2), create(3)).get(0).encoded(); // leaf 0 of 3: a path of 2
        int tail = good.length - (Transaction.SALT_BYTES + 12 + 64) + Transaction.SALT_BYTES; // at u32 leaf index
        assertThatThrownBy(() -> Transaction.decode(withU32(good, tail, 3))).isInstanceOf(LedgerException.class)
                .hasMessageContaining("batch leaf index 3 of batch size 3");
        assertThatThrownBy(() -> Transaction.decode(withU32(good, tail + 4, 1))).isInstanceOf(LedgerException.class)
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> Transaction.decode(withU32(good, tail + 4, 2))).isInstanceOf(LedgerException.class)
                .hasMessageContaining("batch path has 2 hashes; leaf 0 of 2 needs 1");
        assertThatThrownBy(() -> Transaction.decode(Arrays.copyOf(good, good.length - 1))).isInstanceOf(LedgerException.class);
    }

    @Test
    void saltedLeavesDoNotRevealSiblings() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        TxBody transfer = new TxBody.TokenTransfer(TestNetwork.assetId(1), TestNetwork.id(TestNetwork.newKey()), 7);
        List<Transaction> first = Transaction.signBatch(net.network, alice, List.of(1L, 2L), List.of(create(1), transfer));
        List<Transaction> again = Transaction.signBatch(net.network, alice, List.of(1L, 2L), List.of(create(1), transfer));
        byte[] sibling = siblingHash(first.get(0));
        assertThat(sibling).as("the same txs batched again").isNotEqualTo(siblingHash(again.get(0)));
        // A holder of tx 0 who guesses tx 1 exactly (unsigned bytes and all) still cannot confirm it without its salt.
        byte[] guess = Arrays.copyOf(first.get(1).encoded(), first.get(1).encoded().length - first.get(1).signature().length
                - 4 - (Transaction.SALT_BYTES + 12 + 32));
        assertThat(MerkleHash.leaf(guess).toBytes()).isNotEqualTo(sibling);
    }

    @Test
    void aRefusedTxOfABatchLeavesItsSiblingsTheirOwnVerdicts() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        try (Ledger ledger = Ledger.open(dir)) {
            net.genesis(ledger);
            Fixtures.commit(net, ledger, List.of(net.tx(net.admin, net.register(alice))));
            // the second create repeats the first's asset id: it is refused, and the third (next nonce) with it
            List<Transaction> batch = net.batch(alice, create(1), create(1), create(2));
            Ledger.CommitResult r = ledger.commit(batch, TestNetwork.T0.plusSeconds(10), net.admin);
            assertThat(r.block().txs()).containsExactly(batch.get(0));
            assertThat(r.rejected()).extracting(StateMachine.Rejection::reason).containsExactly(RejectReason.ALREADY_EXISTS,
                    RejectReason.NONCE_GAP);
            // the accepted one, read back from disk, verifies in full on its own
            Transaction stored = ledger.store().tx(batch.get(0).id()).tx();
            assertThat(stored.signedHere(net.network)).isFalse();
            assertThat(stored.signatureValid(net.network)).isTrue();
        }
        try (Ledger reopened = Ledger.open(dir)) {
            assertThat(reopened.state().asset(TestNetwork.assetId(1))).isNotNull();
            assertThat(reopened.state().asset(TestNetwork.assetId(2))).isNull();
        }
    }

    @Test
    void aForeignBlockWithABatchIsVerifiedInFull() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey alice = TestNetwork.newKey();
        try (Ledger a = Ledger.open(dir.resolve("a")); Ledger b = Ledger.open(dir.resolve("b"))) {
            net.genesis(a);
            b.append(a.store().block(0));
            Fixtures.commit(net, a, List.of(net.tx(net.admin, net.register(alice))));
            b.append(a.store().block(1));
            a.commit(net.batch(alice, create(1), create(2), create(3)), TestNetwork.T0.plusSeconds(10), net.admin);
            b.append(a.store().block(2));
            assertThat(b.state().asset(TestNetwork.assetId(3))).isNotNull();
            Set<Integer> signatures = new HashSet<>();
            b.store().block(2).txs().forEach(tx -> signatures.add(Arrays.hashCode(tx.signature())));
            assertThat(signatures).hasSize(1);
        }
    }

    private static TxBody create(int n) {
        return TestNetwork.create(TestNetwork.assetId(n), 1, AssetPolicy.CREATOR_ONLY);
    }

    /** The first (only, for leaf 0 of 2) sibling hash a batch tx carries: its last 32 bytes. */
    private static byte[] siblingHash(Transaction tx) {
        byte[] e = tx.encoded();
        return Arrays.copyOfRange(e, e.length - 32, e.length);
    }

    private static byte[] withU32(byte[] bytes, int at, int value) {
        byte[] out = bytes.clone();
        out[at] = (byte) (value >>> 24);
        out[at + 1] = (byte) (value >>> 16);
        out[at + 2] = (byte) (value >>> 8);
        out[at + 3] = (byte) value;
        return out;
    }
}
