package io.stoq.shard;

import io.stoq.crypto.CodedFailure;

/**
 * Checked failure of any stoq-shard operation. {@link #code()} says what kind; callers branch on
 * the code, never on the message, which is one line meant for a human.
 */
public class ShardException extends Exception implements CodedFailure {
    private static final long serialVersionUID = 1L;
    private final ShardErrorCode code;

    public ShardException(ShardErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ShardException(ShardErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ShardErrorCode code() {
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
