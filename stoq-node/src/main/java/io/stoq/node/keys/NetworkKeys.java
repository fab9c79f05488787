package io.stoq.node.keys;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.LedgerWriter;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin actions on data-key epochs, signed with the operator key (the network's admin):
 * making the first epoch of a ledger that has none, and rotating to a new one.
 *
 * <p>Rotation seals the new epoch's private key to every registered, unrevoked member whose
 * ML-KEM key is known (the current epoch's recipients, plus keys the caller adds, each checked
 * against the node's certificate): a node revoked before the rotation is not among them and
 * cannot unwrap anything wrapped to the new epoch. Versions already written stay wrapped to the
 * epoch they were written in; members keep every epoch they received, so they stay readable.
 */
public final class NetworkKeys {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkKeys.class);

    /** What a rotation committed. */
    public record Rotation(long epoch, List<String> members, long height) {}

    private NetworkKeys() {}

    /**
     * Makes epoch 1 (this node its only member) when the ledger has no epoch yet: a ledger created
     * before key epochs existed. New uploads are wrapped to it from then on; older versions stay
     * wrapped to this node's own ML-KEM key, which it still reads. Once per ledger, logged.
     */
    public static void ensureEpoch(LedgerWriter ledger, EpochKeys epochs) throws NodeException, LedgerException {
        if (epochs.current().isPresent()) {
            return;
        }
        commit(ledger, EpochKeys.newEpoch(1, Map.of(epochs.nodeId(), epochs.nodeKemKey())));
        LOG.info("the ledger had no data-key epoch (made before epochs): made epoch 1 for node {}; "
                + "versions written before stay wrapped to this node's own ML-KEM key", epochs.nodeId());
    }

    /**
     * Starts the next epoch for the current members (see the class comment) and {@code extra}
     * (node id to ML-KEM key, e.g. nodes registered since the last epoch). Fails with the
     * ledger's code when the tx is refused (a concurrent rotation took the number: STALE_VERSION).
     */
    public static Rotation rotate(LedgerWriter ledger, EpochKeys epochs, Map<String, PublicKey> extra)
            throws NodeException, LedgerException {
        Optional<EpochKeys.Epoch> now = epochs.current();
        long next = now.map(e -> e.number() + 1).orElse(1L);
        Map<String, PublicKey> members = epochs.nextMembers(extra);
        Committed c = commit(ledger, EpochKeys.newEpoch(next, members));
        LOG.info("key epoch {} started at height {} for {} member node(s): {}", next, c.height(), members.size(), members.keySet());
        return new Rotation(next, List.copyOf(members.keySet()), c.height());
    }

    private static Committed commit(LedgerWriter ledger, TxBody.KeyEpoch body) throws NodeException, LedgerException {
        SigningKey operator = ledger.keys().operatorKey(false);
        return ledger.commit(operator, List.of(), body);
    }
}
