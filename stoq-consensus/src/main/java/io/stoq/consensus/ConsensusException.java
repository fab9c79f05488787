package io.stoq.consensus;

import io.stoq.crypto.CodedException;

/** Checked failure of any stoq-consensus operation; {@link #code()} says what kind. */
public class ConsensusException extends CodedException {
    private static final long serialVersionUID = 1L;

    public ConsensusException(ConsensusErrorCode code, String message) {
        super(code, message);
    }

    public ConsensusException(ConsensusErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public ConsensusErrorCode code() {
        return (ConsensusErrorCode) failureCode();
    }
}
