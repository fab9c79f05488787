package io.stoq.net;

import java.io.InputStream;

/** One request as a handler sees it. */
public interface PeerRequest {
    /** Who sent it, as the handshake proved. */
    AuthenticatedPeer peer();

    MessageType type();

    /** The request's arguments (at most one frame). */
    byte[] args();

    /** True when the request carries a streamed body. */
    boolean hasBody();

    /**
     * The streamed body (empty when there is none). Reading blocks for the next frame, bounded
     * by the request timeout; a peer that sends more than the transport's body limit is cut off.
     */
    InputStream body();
}
