package io.stoq.placement;

import io.stoq.crypto.CodedException;

/**
 * Checked failure of any stoq-placement operation. {@link #code()} says what kind; callers branch
 * on the code, never on the message, which is one line meant for a human.
 */
public class PlacementException extends CodedException {
    private static final long serialVersionUID = 1L;

    public PlacementException(PlacementErrorCode code, String message) {
        super(code, message);
    }

    public PlacementException(PlacementErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public PlacementErrorCode code() {
        return (PlacementErrorCode) failureCode();
    }
}
