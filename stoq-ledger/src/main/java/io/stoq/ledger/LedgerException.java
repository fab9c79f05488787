package io.stoq.ledger;

import io.stoq.crypto.CodedException;

/** Checked failure of any stoq-ledger operation; {@link #code()} says what kind. */
public class LedgerException extends CodedException {
    private static final long serialVersionUID = 1L;

    public LedgerException(LedgerErrorCode code, String message) {
        super(code, message);
    }

    public LedgerException(LedgerErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public LedgerErrorCode code() {
        return (LedgerErrorCode) failureCode();
    }
}
