package io.stoq.fragmint.route;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The immutable list of routes and the matcher the HTTP layer dispatches with. A path variable
 * matches one segment of unreserved URL characters ({@code [A-Za-z0-9._~-]}, 1..128), so ids
 * never need decoding and a path like {@code /v1/assets/..%2f} simply matches nothing.
 *
 * <p>Immutable; thread-safe.
 */
public final class RouteTable {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~-]{1,128}");

    private final List<Route> routes;

    public RouteTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
        Set<String> seen = new HashSet<>();
        for (Route r : routes) {
            if (!seen.add(r.method() + " " + r.path()) || !seen.add("op:" + r.operationId())) {
                throw new IllegalArgumentException("duplicate route " + r.method() + " " + r.path()
                        + " / " + r.operationId());
            }
        }
    }

    public List<Route> routes() {
        return routes;
    }

    /**
     * A matched route and its path variables.
     *
     * @param route the route
     * @param params variable name to value
     */
    public record Match(Route route, Map<String, String> params) {}

    /**
     * The route for {@code method} and {@code path} (no query string); HEAD is answered by the
     * path's GET route (RFC 9110 9.3.2: the same answer without its body).
     * {@link ApiError#NOT_FOUND} when no route has the path, {@link ApiError#METHOD_NOT_ALLOWED}
     * when one has it with another method.
     */
    public Match match(String method, String path) throws ApiException {
        String wanted = method.equals("HEAD") ? "GET" : method;
        String[] parts = split(path);
        boolean pathKnown = false;
        for (Route r : routes) {
            Map<String, String> params = matchPath(split(r.path()), parts);
            if (params == null) {
                continue;
            }
            pathKnown = true;
            if (r.method().equals(wanted)) {
                return new Match(r, params);
            }
        }
        if (pathKnown) {
            throw new ApiException(ApiError.METHOD_NOT_ALLOWED, method + " is not allowed on " + path);
        }
        throw new ApiException(ApiError.NOT_FOUND, "no route for " + path);
    }

    /** The methods allowed on {@code path} (for the Allow header): HEAD wherever GET is. */
    public List<String> methodsFor(String path) {
        String[] parts = split(path);
        List<String> methods = new java.util.ArrayList<>();
        for (Route r : routes) {
            if (matchPath(split(r.path()), parts) != null) {
                methods.add(r.method());
                if (r.method().equals("GET")) {
                    methods.add("HEAD");
                }
            }
        }
        return methods;
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }

    private static Map<String, String> matchPath(String[] template, String[] actual) {
        if (template.length != actual.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                if (!SEGMENT.matcher(actual[i]).matches()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 1), actual[i]);
            } else if (!t.equals(actual[i])) {
                return null;
            }
        }
        return params.isEmpty() ? Map.of() : new LinkedHashMap<>(params);
    }
}
