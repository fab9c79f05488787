package io.stoq.net;

import io.stoq.crypto.FailureCode;

/**
 * Why a peer operation failed, on either side of the wire. Each code has a stable 16-bit
 * {@link #wireCode()}: it travels in ERROR frames (stream-level failures) and as the QUIC
 * application close code (connection-level failures, the {@code 0x01xx} range), so a peer learns
 * exactly what the other side refused. Callers branch on the code, never on the message.
 * CLI exit codes are 80-99.
 */
public enum NetErrorCode implements FailureCode {
    // Stream-level: the stream is closed with an ERROR frame, the connection stays up.
    /** A frame header or payload could not be parsed (bad magic, truncated, bad field). */
    MALFORMED_FRAME(0x0001, 80),
    /** A frame declared a payload longer than the receiver's maximum frame size. */
    FRAME_TOO_LARGE(0x0002, 80),
    /** The frame header carries a protocol version this node does not speak. */
    UNSUPPORTED_VERSION(0x0003, 80),
    /** The frame type is not one this version defines. */
    UNKNOWN_FRAME_TYPE(0x0004, 80),
    /** No handler is registered for the request's message type. */
    UNKNOWN_MESSAGE(0x0005, 81),
    /** A request arrived before the connection was authenticated. */
    UNAUTHENTICATED(0x0006, 82),
    /** The node has no worker free for the request; try again later. */
    BUSY(0x0007, 83),
    /** A request made no progress within the request timeout. */
    TIMEOUT(0x0008, 84),
    /** What was asked for does not exist (a shard this node does not hold). */
    NOT_FOUND(0x0009, 85),
    /** The request's arguments are invalid for its message type. */
    BAD_REQUEST(0x000A, 81),
    /** The handler failed for a reason of its own; the message says what. */
    INTERNAL(0x000B, 86),
    /** Frames arrived in an order the protocol does not allow (DATA before a REQUEST, say). */
    PROTOCOL_VIOLATION(0x000C, 80),
    /** Bytes offered for storage do not match their id or declared length. */
    INTEGRITY(0x000D, 87),
    /** The receiver cannot store the bytes (disk reserve reached, shard too large). */
    REFUSED(0x000E, 88),
    /** The stream or connection went away before the exchange finished. */
    CLOSED(0x000F, 89),

    // Connection-level: the QUIC connection is closed with this application error code.
    /** The peer belongs to another network (network id differs). */
    WRONG_NETWORK(0x0101, 90),
    /** The peer's certificate chain does not lead to this network's CA root, or breaks a profile rule. */
    CHAIN_REJECTED(0x0102, 91),
    /** The peer's node certificate is outside its validity period. */
    CERT_EXPIRED(0x0103, 92),
    /** The peer's node certificate is revoked. */
    REVOKED(0x0104, 93),
    /** The TLS key the peer used in the QUIC handshake is not the one its Falcon certificate binds. */
    TLS_KEY_MISMATCH(0x0105, 94),
    /** The peer's transcript signature does not verify (replayed, forged, or made for other keys). */
    BAD_SIGNATURE(0x0106, 95),
    /** The peer did not finish the authentication handshake within the handshake timeout. */
    HANDSHAKE_TIMEOUT(0x0107, 96),
    /** A connection limit (total, per address, per node) is reached. */
    TOO_MANY_CONNECTIONS(0x0108, 97),
    /** The handshake messages were out of order or malformed. */
    HANDSHAKE_FAILED(0x0109, 96),
    /** The node is shutting down. */
    SHUTDOWN(0x010A, 98),
    /** The peer could not be reached (QUIC handshake failed or timed out). */
    UNREACHABLE(0x010B, 99);

    private final int wireCode;
    private final int exitCode;

    NetErrorCode(int wireCode, int exitCode) {
        this.wireCode = wireCode;
        this.exitCode = exitCode;
    }

    /** The 16-bit code in ERROR frames and QUIC application close frames. */
    public int wireCode() {
        return wireCode;
    }

    @Override
    public int exitCode() {
        return exitCode;
    }

    /** True for failures that close the whole connection rather than one stream. */
    public boolean closesConnection() {
        return wireCode >= 0x0100;
    }

    /** The code for a wire value; unknown values (a newer peer) read as {@link #INTERNAL}. */
    public static NetErrorCode fromWire(int code) {
        for (NetErrorCode c : values()) {
            if (c.wireCode == code) {
                return c;
            }
        }
        return INTERNAL;
    }
}
