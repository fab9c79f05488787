package io.stoq.node.ledger;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Signs the txs a writer planned with one signature per signer ({@link Transaction#signBatch}):
 * an ML-DSA-65 signature costs ~0.7 ms, and one owner's burst of small uploads would otherwise pay
 * it per asset. Both writers use it, the local {@link LedgerService} per block and the
 * {@link RaftLedgerWriter} per submission. The signers' batches are independent, so they use
 * every core.
 */
final class SignerBatches {
    /** A tx before its signature: for {@code request}, or an account registration the writer added (null request). */
    record Unsigned(LedgerRequest request, SigningKey key, long nonce, TxBody body) {}

    private SignerBatches() {}

    /**
     * Signs {@code plan} (its nonces already fixed, in order): {@code signed[i]} is the tx of
     * {@code plan.get(i)}, or {@code failed[i]} why its signer's batch could not be signed.
     */
    static void sign(NetworkId network, List<Unsigned> plan, Transaction[] signed, CryptoException[] failed) {
        Map<Hash256, List<Integer>> bySigner = new LinkedHashMap<>();
        for (int i = 0; i < plan.size(); i++) {
            bySigner.computeIfAbsent(plan.get(i).key().verifyingKey().fingerprint(), k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> groups = new ArrayList<>(bySigner.values());
        IntStream.range(0, groups.size()).parallel().forEach(g -> {
            List<Integer> group = groups.get(g);
            List<Long> nonces = new ArrayList<>(group.size());
            List<TxBody> bodies = new ArrayList<>(group.size());
            for (int i : group) {
                nonces.add(plan.get(i).nonce());
                bodies.add(plan.get(i).body());
            }
            try {
                List<Transaction> txs = Transaction.signBatch(network, plan.get(group.get(0)).key(), nonces, bodies);
                for (int j = 0; j < group.size(); j++) {
                    signed[group.get(j)] = txs.get(j);
                }
            } catch (CryptoException e) {
                group.forEach(i -> failed[i] = e);
            }
        });
    }
}
