package io.stoq.net;

import io.stoq.crypto.CodedException;

/** Checked failure of any stoq-net operation; {@link #code()} says what kind. */
public class NetException extends CodedException {
    private static final long serialVersionUID = 1L;

    public NetException(NetErrorCode code, String message) {
        super(code, message);
    }

    public NetException(NetErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public NetErrorCode code() {
        return (NetErrorCode) failureCode();
    }
}
