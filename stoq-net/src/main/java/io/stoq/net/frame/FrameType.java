package io.stoq.net.frame;

/**
 * The frame types of STOQ protocol version 1, each with its one-byte code on the wire. A code not
 * listed here is refused with {@code UNKNOWN_FRAME_TYPE}: a new type needs a new protocol version.
 */
public enum FrameType {
    /** Handshake: protocol version, network id, nonce and certificate chain. */
    HELLO(0x01),
    /** Handshake: the sender's Falcon signature over the transcript. */
    PROOF(0x02),
    /** Handshake: the server accepted the client; requests may follow on other streams. */
    AUTH_OK(0x03),
    /** Opens a request: message type, flags, arguments. */
    REQUEST(0x10),
    /** Answers a request: flags and result metadata. */
    RESPONSE(0x11),
    /** A chunk of a streamed body. */
    DATA(0x12),
    /** Ends a streamed body with its total length. */
    END(0x13),
    /** Refuses or aborts the exchange on this stream: error code and message. */
    ERROR(0x1F);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a wire code, or null when version 1 defines none. */
    public static FrameType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
