package io.stoq.fragmint.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The API's Prometheus metrics (micrometer-registry-prometheus): request count and latency by
 * operation, method, status class and protocol; body bytes in and out; requests in flight; open
 * connections; and how often each resource limit cut a client off.
 *
 * <p>Every tag value comes from a closed set, so no client can add series: the operation is a
 * route's operationId or {@code unmatched}, the method one of {@link #METHODS} or {@code OTHER},
 * the status its class ({@code 2xx} ... {@code 5xx}), the protocol one of three. Thread-safe.
 */
public final class ApiMetrics {
    /** Methods that keep their own tag value; any other becomes {@code OTHER}. */
    static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
    private static final Set<String> PROTOCOLS = Set.of("http/1.1", "h2", "h3");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter headerTimeouts;
    private final Counter slowBodies;
    private final Counter writeStalls;
    private final Counter refusedTotal;
    private final Counter refusedPerAddress;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Set<String> operations = Set.of();
    private final java.util.List<java.util.function.Supplier<String>> sources = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ApiMetrics() {
        bytesIn = Counter.builder("fragmint_request_body_bytes").description("request body bytes received")
                .baseUnit("bytes").register(registry);
        bytesOut = Counter.builder("fragmint_response_body_bytes").description("content bytes sent")
                .baseUnit("bytes").register(registry);
        headerTimeouts = Counter.builder("fragmint_header_timeouts")
                .description("connections closed because a request head did not arrive in time").register(registry);
        slowBodies = Counter.builder("fragmint_slow_body_cuts")
                .description("requests cut because their body arrived below the minimum rate").register(registry);
        writeStalls = Counter.builder("fragmint_write_stall_cuts")
                .description("responses cut because the client stopped reading").register(registry);
        refusedTotal = Counter.builder("fragmint_connections_refused").tag("cap", "total")
                .description("connections closed at once because a connection cap was reached").register(registry);
        refusedPerAddress = Counter.builder("fragmint_connections_refused").tag("cap", "per_address")
                .description("connections closed at once because a connection cap was reached").register(registry);
        registry.gauge("fragmint_requests_in_flight", inFlight);
    }

    /** The route operationIds that may appear as the {@code operation} tag (set once at start). */
    void operations(Collection<String> operationIds) {
        this.operations = Set.copyOf(operationIds);
    }

    /** Reports {@code open} as the gauge of open connections. */
    void connections(IntSupplier open) {
        io.micrometer.core.instrument.Gauge.builder("fragmint_connections_open", open, IntSupplier::getAsInt)
                .description("open TCP and QUIC connections").strongReference(true).register(registry);
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished(String operation, String method, int status, String protocol, Duration took,
            long bodyIn) {
        inFlight.decrementAndGet();
        Timer.builder("fragmint_requests").description("API requests")
                .tag("operation", operations.contains(operation) ? operation : "unmatched")
                .tag("method", METHODS.contains(method) ? method : "OTHER")
                .tag("status", statusClass(status))
                .tag("protocol", PROTOCOLS.contains(protocol) ? protocol : "other")
                .register(registry).record(took);
        if (bodyIn > 0) {
            bytesIn.increment(bodyIn);
        }
    }

    static String statusClass(int status) {
        return status >= 100 && status < 600 ? (status / 100) + "xx" : "other";
    }

    void sent(long bytes) {
        bytesOut.increment(bytes);
    }

    void headerTimeout() {
        headerTimeouts.increment();
    }

    void slowBodyCut() {
        slowBodies.increment();
    }

    void writeStall() {
        writeStalls.increment();
    }

    /** @param cap {@code total} or {@code per_address} */
    void connectionRefused(String cap) {
        ("total".equals(cap) ? refusedTotal : refusedPerAddress).increment();
    }

    /**
     * Adds Prometheus text that the node renders itself (metric families other than the API's,
     * e.g. per-peer health), appended to every scrape. The source bounds its own series.
     */
    void addSource(java.util.function.Supplier<String> source) {
        sources.add(source);
    }

    /** Prometheus text exposition. */
    public String scrape() {
        if (sources.isEmpty()) {
            return registry.scrape();
        }
        StringBuilder text = new StringBuilder(registry.scrape());
        for (java.util.function.Supplier<String> source : sources) {
            text.append(source.get());
        }
        return text.toString();
    }
}
