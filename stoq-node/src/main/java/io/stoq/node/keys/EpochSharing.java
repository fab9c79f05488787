package io.stoq.node.keys;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.LedgerWriter;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a node registered after the network's key epochs were made its shares of them: this
 * member seals each epoch's private key, which it holds, to the new node's ML-KEM key and commits
 * one {@code KEY_SHARE} tx signed with this node's Falcon key (docs/ledger.md, tx 17). Without it
 * the new node could not decrypt any version wrapped to an epoch, nor open the network's custodial
 * account keys and TOTP secrets, until the next rotation.
 *
 * <p><b>Which epochs: every epoch this member holds that the node lacks, not only the current
 * one.</b> A version's asset key stays wrapped to the epoch current when it was written until a
 * rotation re-wraps it, and a rotation skips versions it cannot read; an account record's secrets
 * stay sealed to the epoch of its last revision. Telling which earlier epochs still wrap something
 * live would need a scan of every version and account record; epochs are few (one per rotation)
 * and a share is ~1.2 KB, so all are shared. The new node gains nothing it should not have: a
 * member may read every live version anyway.
 *
 * <p>The ML-KEM key is checked against the node's registered certificate before anything is
 * sealed to it ({@link EpochKeys#requireCertifiedKem}), a revoked or unregistered node gets
 * nothing, and the ledger checks both again. Idempotent: epochs the node already holds are left
 * out, and when another member shared the same epochs first the ledger answers
 * {@code ALREADY_EXISTS}, taken as done.
 */
public final class EpochSharing {
    private static final Logger LOG = LoggerFactory.getLogger(EpochSharing.class);

    /** What one call did: the epochs shared now, those the node already held, those this member lacks. */
    public record Result(List<Long> shared, List<Long> held, List<Long> notHeldHere) {}

    private final LedgerWriter ledger;
    private final EpochKeys epochs;
    private final SigningKey nodeKey;

    /**
     * @param nodeKey this node's Falcon key: a KEY_SHARE is signed by the member that seals it
     */
    public EpochSharing(LedgerWriter ledger, EpochKeys epochs, SigningKey nodeKey) {
        this.ledger = ledger;
        this.epochs = epochs;
        this.nodeKey = nodeKey;
    }

    /**
     * Seals every epoch node {@code nodeId} lacks to {@code kem} and commits the KEY_SHARE.
     * {@code chainDer} is the certificate chain the node is registered with (node certificate
     * first). Fails with {@code NOT_PERMITTED} when {@code kem} is not the key its certificate
     * binds or the node is revoked, {@code NOT_FOUND} when it is not registered; with the ledger's
     * code when the tx is refused for another reason than a share made first by another member.
     */
    public Result share(String nodeId, List<byte[]> chainDer, PublicKey kem) throws NodeException, LedgerException {
        for (int attempt = 1; ; attempt++) {
            try {
                return shareOnce(nodeId, chainDer, kem);
            } catch (TxRejectedException e) {
                // Another member shared some of these first: what is still missing is computed again.
                if (e.reason() != RejectReason.ALREADY_EXISTS || attempt == 3) {
                    throw e;
                }
                LOG.info("node {} was given some key epochs by another member first; sharing what it still lacks", nodeId);
            }
        }
    }

    private Result shareOnce(String nodeId, List<byte[]> chainDer, PublicKey kem) throws NodeException, LedgerException {
        StateRecords.Node n = ledger.reader().state().node(nodeId);
        if (n != null && n.revoked()) {
            throw new NodeException(NodeErrorCode.NOT_PERMITTED, "node " + nodeId + " is revoked: it receives no key epoch share");
        }
        epochs.requireCertifiedKem(nodeId, kem);
        List<TxBody.EpochShareOf> sealed = new ArrayList<>();
        List<Long> shared = new ArrayList<>();
        List<Long> held = new ArrayList<>();
        List<Long> notHere = new ArrayList<>();
        for (EpochKeys.Epoch e : epochs.all()) {
            if (epochs.shareOf(e, nodeId, kem) != null) {
                held.add(e.number());
                continue;
            }
            if (!epochs.holdsShare(e)) {
                notHere.add(e.number()); // another member may hold it
                continue;
            }
            PrivateKey key = epochs.privateKey(e);
            sealed.add(new TxBody.EpochShareOf(e.number(), EpochShare.seal(e.number(), e.publicKey(), key, nodeId, kem)));
            shared.add(e.number());
        }
        if (!notHere.isEmpty()) {
            LOG.warn("node {} holds no share of key epoch(s) {}: it cannot share them with node {}", epochs.nodeId(), notHere, nodeId);
        }
        if (sealed.isEmpty()) {
            return new Result(List.of(), held, notHere);
        }
        Committed c = ledger.commit(nodeKey, List.of(), new TxBody.KeyShare(chainDer, kem.getEncoded(), sealed));
        LOG.info("shared key epoch(s) {} with node {} at height {}", shared, nodeId, c.height());
        return new Result(shared, held, notHere);
    }
}
