package io.stoq.node;

import io.stoq.crypto.CodedFailure;

/** Checked failure of the node daemon's own parts (config, local store, lifecycle). */
public class NodeException extends Exception implements CodedFailure {
    private static final long serialVersionUID = 1L;
    private final NodeErrorCode code;

    public NodeException(NodeErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public NodeException(NodeErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public NodeErrorCode code() {
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
