package io.stoq.fragmint.route;

import static io.stoq.fragmint.route.RouteBuilder.get;

import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.port.HealthProbe;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Health, readiness, the OpenAPI document and Prometheus metrics. Thread-safe. */
final class SystemRoutes {
    private final HealthProbe health;
    private final Supplier<byte[]> openApi;
    private final Supplier<String> metrics;

    SystemRoutes(HealthProbe health, Supplier<byte[]> openApi, Supplier<String> metrics) {
        this.health = health;
        this.openApi = openApi;
        this.metrics = metrics;
    }

    List<Route> routes() {
        return List.of(
                get("/healthz", "health").summary("Liveness: 200 while the process serves requests")
                        .returns(200, Route.Body.json(Messages.Health.class))
                        .handle(ex -> new Reply.Json(200, new Messages.Health("ok", "alive"))),
                get("/readyz", "ready").summary("Readiness: 200 when the node takes traffic, else 503")
                        .returns(200, Route.Body.json(Messages.Health.class))
                        .errors(io.stoq.fragmint.port.ApiError.UNAVAILABLE).handle(ex -> {
                            HealthProbe.Status s = health.readiness();
                            return new Reply.Json(s.ready() ? 200 : 503,
                                    new Messages.Health(s.ready() ? "ok" : "unavailable", s.detail()));
                        }),
                get("/v1/openapi.json", "openApi").summary("This API's OpenAPI 3.1 document")
                        .returns(200, Route.Body.json(Map.class))
                        .handle(ex -> new Reply.Bytes(200, "application/json", openApi.get(), Map.of())),
                get("/metrics", "metrics").needs(Permission.METRICS_READ)
                        .summary("Prometheus text exposition of the API's metrics")
                        .returns(200, Route.Body.text("text/plain; version=0.0.4; charset=utf-8"))
                        .handle(ex -> new Reply.Bytes(200, "text/plain; version=0.0.4; charset=utf-8",
                                metrics.get().getBytes(StandardCharsets.UTF_8), Map.of())));
    }
}
