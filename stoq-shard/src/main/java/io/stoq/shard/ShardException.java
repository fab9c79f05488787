package io.stoq.shard;

import io.stoq.crypto.CodedException;

/**
 * Checked failure of any stoq-shard operation. {@link #code()} says what kind; callers branch on
 * the code, never on the message, which is one line meant for a human.
 */
public class ShardException extends CodedException {
    private static final long serialVersionUID = 1L;

    public ShardException(ShardErrorCode code, String message) {
        super(code, message);
    }

    public ShardException(ShardErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public ShardErrorCode code() {
        return (ShardErrorCode) failureCode();
    }
}
