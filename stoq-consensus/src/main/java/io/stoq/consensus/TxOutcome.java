package io.stoq.consensus;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.validate.RejectReason;

/**
 * What became of one submitted tx, as every node's apply decided it.
 *
 * @param txId the tx
 * @param status committed, rejected by validation, or certainly not committed (submit it again)
 * @param height the block holding it (COMMITTED), else -1
 * @param reason why validation refused it (REJECTED), else null
 * @param message one line for a person (REJECTED and RETRY), else empty
 */
public record TxOutcome(Hash256 txId, Status status, long height, RejectReason reason, String message) {
    /** One line per state. */
    public enum Status {
        /** In the block at {@code height}, committed by a majority of voters and applied here. */
        COMMITTED,
        /** Refused by validation (signature, nonce, authority...); it changes nothing and will not commit as is. */
        REJECTED,
        /** Its block lost: built on a head that another block took, or by a leader that lost its term. Not committed; submit it again. */
        RETRY
    }

    public TxOutcome {
        message = message == null ? "" : message;
    }

    public static TxOutcome committed(Hash256 txId, long height) {
        return new TxOutcome(txId, Status.COMMITTED, height, null, "");
    }

    public static TxOutcome rejected(Hash256 txId, RejectReason reason, String message) {
        return new TxOutcome(txId, Status.REJECTED, -1, reason, message);
    }

    public static TxOutcome retry(Hash256 txId, String why) {
        return new TxOutcome(txId, Status.RETRY, -1, null, why);
    }
}
