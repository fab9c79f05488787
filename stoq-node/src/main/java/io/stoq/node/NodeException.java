package io.stoq.node;

import io.stoq.crypto.CodedException;

/** Checked failure of the node daemon's own parts (config, local store, lifecycle). */
public class NodeException extends CodedException {
    private static final long serialVersionUID = 1L;

    public NodeException(NodeErrorCode code, String message) {
        super(code, message);
    }

    public NodeException(NodeErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public NodeErrorCode code() {
        return (NodeErrorCode) failureCode();
    }
}
