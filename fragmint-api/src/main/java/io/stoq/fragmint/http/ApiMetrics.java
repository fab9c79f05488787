package io.stoq.fragmint.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API's Prometheus metrics (micrometer-registry-prometheus): request count and latency by
 * operation, method, status and protocol; body bytes in and out; requests in flight. Thread-safe.
 */
public final class ApiMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final AtomicInteger inFlight = new AtomicInteger();

    public ApiMetrics() {
        bytesIn = Counter.builder("fragmint_request_body_bytes").description("request body bytes received")
                .baseUnit("bytes").register(registry);
        bytesOut = Counter.builder("fragmint_response_body_bytes").description("content bytes sent")
                .baseUnit("bytes").register(registry);
        registry.gauge("fragmint_requests_in_flight", inFlight);
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished(String operation, String method, int status, String protocol, Duration took,
            long bodyIn) {
        inFlight.decrementAndGet();
        Timer.builder("fragmint_requests").description("API requests")
                .tag("operation", operation).tag("method", method)
                .tag("status", Integer.toString(status)).tag("protocol", protocol)
                .register(registry).record(took);
        if (bodyIn > 0) {
            bytesIn.increment(bodyIn);
        }
    }

    void sent(long bytes) {
        bytesOut.increment(bytes);
    }

    /** Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
