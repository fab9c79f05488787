package io.stoq.net;

import java.io.IOException;

/**
 * Serves one message type. Runs on a transport worker thread (never the network event loop), so
 * it may block on disk; it is called only for authenticated peers, one call per request stream.
 * It must answer through {@code responder} exactly once, or throw: a {@link NetException} is sent
 * to the peer as an ERROR frame with its code and message; any other failure as {@code INTERNAL}.
 */
@FunctionalInterface
public interface RequestHandler {
    void handle(PeerRequest request, Responder responder) throws NetException, IOException;
}
