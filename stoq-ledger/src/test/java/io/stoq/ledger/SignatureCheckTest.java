package io.stoq.ledger;

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
 * signatures mixed, on this network and on another, and for a batch started ahead of time.
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
        assertThat(SignatureCheck.start(net.network, txs, true).await()).containsExactly(alone);
        assertThat(SignatureCheck.start(net.network, txs, false).await()).containsExactly(alone);
        // started ahead, collected later (the pipeline's use), and a second batch at the same time
        SignatureCheck early = SignatureCheck.start(net.network, txs, true);
        SignatureCheck other = SignatureCheck.start(NetworkId.of("othernet", net.root.getEncoded()), txs, true);
        assertThat(other.await()).as("signed for another network").doesNotContain(true);
        assertThat(early.await()).containsExactly(alone);
        assertThat(SignatureCheck.start(net.network, List.of(), true).await()).isEmpty();
    }

    private static Transaction flipLastSignatureByte(Transaction tx) throws Exception {
        byte[] encoded = tx.encoded();
        encoded[encoded.length - 1] ^= 0x01;
        return Transaction.decode(encoded);
    }
}
