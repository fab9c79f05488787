package io.stoq.fragmint.port;

/**
 * Liveness and readiness of the node, implemented by stoq-node, served unauthenticated on
 * {@code /healthz} and {@code /readyz}. Must answer fast and never block on the network.
 */
public interface HealthProbe {

    /** Readiness: true once the node can serve reads and writes (ledger caught up, store open). */
    Status readiness();

    /**
     * @param ready whether the node takes traffic
     * @param detail short reason, e.g. {@code "ledger catching up"}
     */
    record Status(boolean ready, String detail) {}
}
