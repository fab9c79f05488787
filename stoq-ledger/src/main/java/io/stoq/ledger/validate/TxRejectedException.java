package io.stoq.ledger.validate;

import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;

/** A transaction refused by validation; callers branch on {@link #reason()}. */
public final class TxRejectedException extends LedgerException {
    private static final long serialVersionUID = 1L;
    private final RejectReason reason;
    private final String detail;

    public TxRejectedException(RejectReason reason, String message) {
        super(LedgerErrorCode.REJECTED, reason + ": " + message);
        this.reason = reason;
        this.detail = message;
    }

    /** The refusal in the user's terms, without the reason code (what a client is shown). */
    public String detail() {
        return detail;
    }

    public RejectReason reason() {
        return reason;
    }
}
