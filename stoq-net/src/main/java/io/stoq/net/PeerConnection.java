package io.stoq.net;

/**
 * An authenticated QUIC connection to one peer. Each call opens its own bidirectional stream, so
 * calls from many threads run side by side (up to the peer's stream limit; further calls wait
 * for a free stream, bounded by the request timeout).
 */
public interface PeerConnection extends AutoCloseable {
    AuthenticatedPeer peer();

    boolean isOpen();

    /** Sends a request without a body and waits for the reply's head. */
    Reply call(MessageType type, byte[] args) throws NetException;

    /** Sends a request with a streamed body, then waits for the reply's head. */
    Reply call(MessageType type, byte[] args, BodyWriter body) throws NetException;

    /** Closes the connection (every open stream with it). */
    @Override
    void close();
}
