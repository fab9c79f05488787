package io.stoq.ledger;

import io.stoq.crypto.CodedFailure;

/** Checked failure of any stoq-ledger operation; {@link #code()} says what kind. */
public class LedgerException extends Exception implements CodedFailure {
    private static final long serialVersionUID = 1L;
    private final LedgerErrorCode code;

    public LedgerException(LedgerErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public LedgerException(LedgerErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public LedgerErrorCode code() {
        return code;
    }

    @Override
    public String codeName() {
        return code.name();
    }

    @Override
    public int exitCode() {
        return code.exitCode();
    }
}
