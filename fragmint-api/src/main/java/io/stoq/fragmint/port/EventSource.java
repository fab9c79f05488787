package io.stoq.fragmint.port;

import java.util.function.Consumer;

/**
 * Live ledger events, implemented by stoq-node. The listener is called on the node's own thread
 * and must not block; the API hands each event to the subscriber's connection and drops the
 * subscriber if it cannot keep up.
 */
public interface EventSource {

    /**
     * Subscribes. Events with {@code seq > afterSeq} that are still retained are delivered first,
     * then live events in order. Closing the returned handle stops delivery.
     */
    AutoCloseable subscribe(long afterSeq, Consumer<LedgerEvent> listener) throws ApiException;
}
