package io.stoq.net.handshake;

/** Which end of the QUIC connection a handshake party is; signed into the transcript. */
public enum Role {
    CLIENT(1),
    SERVER(2);

    private final int code;

    Role(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public Role other() {
        return this == CLIENT ? SERVER : CLIENT;
    }
}
