package io.stoq.fragmint.route;

import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.port.ApiError;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Fluent construction of {@link Route}s, so the route table reads like a spec. Not thread-safe. */
public final class RouteBuilder {
    private final String method;
    private final String path;
    private final String operationId;
    private Permission permission;
    private boolean secondFactor;
    private String summary = "";
    private Route.Body request = Route.Body.NONE;
    private Route.Body response = Route.Body.NONE;
    private int successStatus = 200;
    private final List<Route.Param> query = new ArrayList<>();
    private final List<Route.Param> headers = new ArrayList<>();
    private final Set<ApiError> errors = EnumSet.noneOf(ApiError.class);
    private Guard guard = Guard.NONE;

    private RouteBuilder(String method, String path, String operationId) {
        this.method = method;
        this.path = path;
        this.operationId = operationId;
    }

    public static RouteBuilder get(String path, String operationId) {
        return new RouteBuilder("GET", path, operationId);
    }

    public static RouteBuilder post(String path, String operationId) {
        return new RouteBuilder("POST", path, operationId);
    }

    public static RouteBuilder put(String path, String operationId) {
        return new RouteBuilder("PUT", path, operationId);
    }

    public static RouteBuilder delete(String path, String operationId) {
        return new RouteBuilder("DELETE", path, operationId);
    }

    /** The permission needed; routes without one are public. */
    public RouteBuilder needs(Permission p) {
        this.permission = p;
        return this;
    }

    /** Requires a TOTP second factor too. */
    public RouteBuilder withTotp() {
        this.secondFactor = true;
        return this;
    }

    /** A target check that runs after the role check and before the second factor (see {@link Guard}). */
    public RouteBuilder guard(Guard g) {
        this.guard = g;
        return this;
    }

    public RouteBuilder summary(String s) {
        this.summary = s;
        return this;
    }

    public RouteBuilder takes(Route.Body b) {
        this.request = b;
        return this;
    }

    public RouteBuilder returns(int status, Route.Body b) {
        this.successStatus = status;
        this.response = b;
        return this;
    }

    public RouteBuilder query(String name, String type, String description) {
        query.add(new Route.Param(name, type, false, description));
        return this;
    }

    /** Adds the {@code cursor} and {@code limit} pagination parameters. */
    public RouteBuilder paged() {
        query("cursor", "string", "opaque cursor from the previous page's nextCursor");
        return query("limit", "integer", "page size, 1..500 (default 50)");
    }

    public RouteBuilder header(String name, String description) {
        headers.add(new Route.Param(name, "string", false, description));
        return this;
    }

    public RouteBuilder errors(ApiError... more) {
        errors.addAll(List.of(more));
        return this;
    }

    public Route handle(Handler handler) {
        return new Route(operationId, method, path, permission, secondFactor, summary, request,
                response, successStatus, query, headers, errors, handler, guard);
    }
}
