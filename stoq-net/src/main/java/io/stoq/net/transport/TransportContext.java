package io.stoq.net.transport;

import io.stoq.net.LocalIdentity;
import io.stoq.net.MessageType;
import io.stoq.net.PeerConfig;
import io.stoq.net.PeerMetrics;
import io.stoq.net.RequestHandler;
import io.stoq.net.handshake.PeerVerifier;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * What every connection and stream of one transport shares: settings, identity, the verifier,
 * the registered handlers (a concurrent map: services may register after start), the worker pools, the connection registry and the metrics. Immutable
 * references; each referenced part is thread-safe.
 *
 * @param workers runs request handlers (bounded queue: a full pool answers BUSY)
 * @param crypto runs the handshake's Falcon signatures and chain checks off the event loop
 */
public record TransportContext(
        PeerConfig config,
        LocalIdentity identity,
        PeerVerifier verifier,
        Map<Integer, Registration> handlers,
        ExecutorService workers,
        ExecutorService crypto,
        ConnectionRegistry registry,
        PeerMetrics metrics,
        Clock clock) {

    /** A handler and the message type it serves. */
    public record Registration(MessageType type, RequestHandler handler) {}

    public TransportContext {
        handlers = new ConcurrentHashMap<>(handlers);
    }
}
