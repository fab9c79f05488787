package io.stoq.ledger;

import io.stoq.ledger.block.ChainFormat;
import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.state.SignatureCheck;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link SignatureCheck} shares one batch's checks between the verifier threads and the waiting
 * thread: the flags are the same, in the same order, as checking each tx alone, with good and bad
 * signatures mixed, on this network and on another, and for a batch started ahead of time. The
 * txs of one signer's batch (tx format 3) are verified once per check, and that verdict reaches
 * no sibling whose path or signature differs.
 */
@Timeout(120)
class SignatureCheckTest {
    @Test
    void sharedChecksGiveTheSameFlagsAsCheckingEachTxAlone() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey a = TestNetwork.newKey();
        SigningKey b = TestNetwork.newKey();
        List<Transaction> txs = new ArrayList<>();
        for (int i = 0; i < 61; i++) {
            Transaction tx = net.txWithNonce(i % 2 == 0 ? a : b, i + 1, net.register(TestNetwork.newKey()));
            if (i % 7 == 3) {
                tx = flipLastSignatureByte(tx); // a bad signature among good ones
            }
            txs.add(tx);
        }
        boolean[] alone = new boolean[txs.size()];
        for (int i = 0; i < txs.size(); i++) {
            alone[i] = txs.get(i).signatureValid(net.network);
            assertThat(alone[i]).as("tx %d", i).isEqualTo(i % 7 != 3);
        }
        assertThat(SignatureCheck.start(net.network, ChainFormat.CURRENT, txs, true).await()).containsExactly(alone);
        assertThat(SignatureCheck.start(net.network, ChainFormat.CURRENT, txs, false).await()).containsExactly(alone);
        // started ahead, collected later (the pipeline's use), and a second batch at the same time
        SignatureCheck early = SignatureCheck.start(net.network, ChainFormat.CURRENT, txs, true);
        SignatureCheck other = SignatureCheck.start(NetworkId.of("othernet", net.root.getEncoded()), ChainFormat.CURRENT, txs, true);
        assertThat(other.await()).as("signed for another network").doesNotContain(true);
        assertThat(early.await()).containsExactly(alone);
        assertThat(SignatureCheck.start(net.network, ChainFormat.CURRENT, List.of(), true).await()).isEmpty();
    }

    @Test
    void aBatchSignatureIsVerifiedOncePerCheckAndItsVerdictReachesNoOtherPayload() throws Exception {
        TestNetwork net = new TestNetwork();
        SigningKey a = TestNetwork.newKey();
        SigningKey b = TestNetwork.newKey();
        List<Transaction> batchA = decoded(net.batch(a, registers(net, 12)));
        List<Transaction> batchB = decoded(net.batch(b, registers(net, 9)));
        Transaction lone = Transaction.decode(net.tx(a, net.register(TestNetwork.newKey())).encoded());
        // siblings of batch A with one byte changed: in the path (another root, so another payload),
        // and in the signature
        Transaction wrongPath = flip(batchA.get(3), batchA.get(3).encoded().length - 1);
        Transaction wrongSignature = flip(batchA.get(4), indexOf(batchA.get(4).encoded(), batchA.get(4).signature()) + 100);
        List<Transaction> txs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            txs.add(batchA.get(i));
            if (i < 9) {
                txs.add(batchB.get(i));
            }
            if (i == 5) {
                txs.add(wrongPath);
                txs.add(lone);
                txs.add(wrongSignature);
            }
        }
        boolean[] alone = new boolean[txs.size()];
        for (int i = 0; i < txs.size(); i++) {
            Transaction tx = txs.get(i);
            alone[i] = tx.signatureValid(net.network);
            assertThat(alone[i]).as("tx %d", i).isEqualTo(tx != wrongPath && tx != wrongSignature);
            assertThat(tx.signedHere(net.network)).as("decoded: trusted for nothing").isFalse();
        }
        for (boolean parallel : new boolean[] {false, true}) {
            SignatureCheck check = SignatureCheck.start(net.network, ChainFormat.CURRENT, txs, parallel);
            assertThat(check.await()).as("parallel %s", parallel).containsExactly(alone);
            // batch A, batch B, the lone tx, and each changed sibling on its own
            assertThat(check.verifications()).as("parallel %s", parallel).isEqualTo(5);
        }
        SignatureCheck elsewhere = SignatureCheck.start(NetworkId.of("othernet", net.root.getEncoded()), ChainFormat.CURRENT, txs, true);
        assertThat(elsewhere.await()).as("signed for another network").doesNotContain(true);
    }

    private static io.stoq.ledger.tx.TxBody[] registers(TestNetwork net, int n) throws Exception {
        io.stoq.ledger.tx.TxBody[] bodies = new io.stoq.ledger.tx.TxBody[n];
        for (int i = 0; i < n; i++) {
            bodies[i] = net.register(TestNetwork.newKey());
        }
        return bodies;
    }

    private static List<Transaction> decoded(List<Transaction> signed) throws Exception {
        List<Transaction> out = new ArrayList<>();
        for (Transaction tx : signed) {
            out.add(Transaction.decode(tx.encoded()));
        }
        return out;
    }

    private static Transaction flip(Transaction tx, int at) throws Exception {
        byte[] encoded = tx.encoded();
        encoded[at] ^= 0x01;
        return Transaction.decode(encoded);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so String.indexOf is a byte search
        int at = new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1));
        if (at < 0) {
            throw new AssertionError("not found");
        }
        return at;
    }

    private static Transaction flipLastSignatureByte(Transaction tx) throws Exception {
        byte[] encoded = tx.encoded();
        encoded[encoded.length - 1] ^= 0x01;
        return Transaction.decode(encoded);
    }
}
