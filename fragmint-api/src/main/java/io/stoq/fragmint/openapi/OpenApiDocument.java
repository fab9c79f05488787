package io.stoq.fragmint.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stoq.fragmint.auth.AccessControl;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.Json;
import io.stoq.fragmint.http.Problems;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.route.Route;
import io.stoq.fragmint.route.RouteTable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders the OpenAPI 3.1 document from the same {@link RouteTable} the router dispatches on:
 * paths, methods, parameters, bodies, success status, every problem status a route can answer
 * (its declared errors plus 401/403/429 for authenticated routes), the permission
 * ({@code x-stoq-permission}) and whether TOTP is needed ({@code x-stoq-totp}).
 */
public final class OpenApiDocument {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Pattern VAR = Pattern.compile("\\{([^}]+)}");
    /** Path variables that are numbers (a block height, a version). */
    private static final Set<String> NUMBER_PARAMS = Set.of("height", "version");
    /** Version of the API contract (not of the software). */
    public static final String API_VERSION = "1.0.0";

    private OpenApiDocument() {}

    /** The document as JSON bytes. */
    public static byte[] render(RouteTable table, ApiServerConfig config) {
        return Json.bytes(build(table, config));
    }

    static ObjectNode build(RouteTable table, ApiServerConfig config) {
        SchemaGenerator gen = new SchemaGenerator();
        ObjectNode doc = F.objectNode().put("openapi", "3.1.0");
        doc.putObject("info").put("title", "FragMint API").put("version", API_VERSION)
                .put("description", "Store, serve, update, transfer and audit assets on a STOQ node. "
                        + "Authenticate with 'Authorization: Bearer <api key or session token>'. "
                        + "Errors are RFC 9457 problem+json. JSON bodies up to " + config.maxJsonBody()
                        + ", uploads up to " + config.maxUploadSize() + ". "
                        + "Every field in a JSON body or answer is always present; one that may have no "
                        + "value has a schema that admits null (and may be left out of a request). "
                        + "A method a path does not list answers 405 with an Allow header "
                        + "(components.responses.MethodNotAllowed). Every GET path also takes HEAD. "
                        + "Asset metadata and content carry strong ETags and Last-Modified, and honour "
                        + "If-None-Match / If-Modified-Since (304), If-Range, and on writes If-Match / "
                        + "If-Unmodified-Since / If-None-Match (412), evaluated as RFC 9110 section 13.2.2 says.");
        doc.putArray("servers").addObject().put("url", "/");
        Map<String, ObjectNode> paths = new TreeMap<>();
        for (Route r : table.routes()) {
            ObjectNode item = paths.computeIfAbsent(r.path(), p -> F.objectNode());
            ObjectNode op = operation(r, gen);
            item.set(r.method().toLowerCase(java.util.Locale.ROOT), op);
            if (r.method().equals("GET")) {
                item.set("head", head(op));
            }
        }
        ObjectNode p = doc.putObject("paths");
        paths.forEach(p::set);
        ObjectNode components = doc.putObject("components");
        components.putObject("securitySchemes").putObject("bearer").put("type", "http")
                .put("scheme", "bearer")
                .put("description", "API key (stq_...) or session token (stqs_...)");
        ObjectNode methodNotAllowed = components.putObject("responses").putObject("MethodNotAllowed")
                .put("description", "METHOD_NOT_ALLOWED: the path exists but not with this method; "
                        + "sent for any method the path item does not list");
        methodNotAllowed.putObject("headers").putObject("Allow")
                .put("description", "the methods this path takes, comma separated")
                .putObject("schema").put("type", "string");
        methodNotAllowed.putObject("content").putObject(Problems.MEDIA_TYPE).putObject("schema")
                .put("$ref", "#/components/schemas/Problem");
        ObjectNode schemas = components.putObject("schemas");
        schemas.set("Problem", problemSchema());
        gen.schemas().forEach(schemas::set);
        return doc;
    }

    /** HEAD of a GET operation (RFC 9110 9.3.2): the GET's status and headers, never a body. */
    private static ObjectNode head(ObjectNode get) {
        ObjectNode op = get.deepCopy();
        op.put("operationId", get.get("operationId").asText() + "Head");
        op.put("summary", "HEAD of " + get.get("operationId").asText() + ": its status and headers (Content-Length "
                + "included), without the body");
        op.get("responses").forEach(response -> {
            if (response instanceof ObjectNode o) {
                o.remove("content");
            }
        });
        return op;
    }

    private static ObjectNode operation(Route r, SchemaGenerator gen) {
        ObjectNode op = F.objectNode().put("operationId", r.operationId()).put("summary", r.summary());
        op.putArray("tags").add(tag(r.path()));
        ArrayNode params = F.arrayNode();
        Matcher m = VAR.matcher(r.path());
        while (m.find()) {
            ObjectNode prm = params.addObject().put("name", m.group(1)).put("in", "path").put("required", true);
            boolean number = NUMBER_PARAMS.contains(m.group(1));
            prm.putObject("schema").put("type", number ? "integer" : "string")
                    .put("pattern", number ? "^[0-9]+$" : "^[A-Za-z0-9._~-]{1,128}$");
        }
        for (Route.Param q : r.queryParams()) {
            params.addObject().put("name", q.name()).put("in", "query").put("required", q.required())
                    .put("description", q.description()).putObject("schema").put("type", q.type());
        }
        for (Route.Param h : r.headerParams()) {
            params.addObject().put("name", h.name()).put("in", "header").put("required", h.required())
                    .put("description", h.description()).putObject("schema").put("type", h.type());
        }
        if (r.secondFactor()) {
            params.addObject().put("name", AccessControl.TOTP_HEADER).put("in", "header").put("required", false)
                    .put("description", "current TOTP code; required unless authenticated with a session token")
                    .putObject("schema").put("type", "string").put("pattern", "^[0-9]{6,8}$");
        }
        if (!params.isEmpty()) {
            op.set("parameters", params);
        }
        if (r.request().shape() != Route.Shape.NONE) {
            ObjectNode body = op.putObject("requestBody").put("required", true);
            if (r.request().shape() == Route.Shape.BINARY) {
                body.put("description", "raw bytes of any media type except forms; streamed");
                body.putObject("content").putObject("*/*").putObject("schema").put("type", "string")
                        .put("contentMediaType", "application/octet-stream");
            } else {
                body.putObject("content").putObject("application/json").set("schema", bodySchema(r.request(), gen));
            }
        }
        ObjectNode responses = op.putObject("responses");
        ObjectNode ok = responses.putObject(Integer.toString(r.successStatus()))
                .put("description", successText(r));
        switch (r.response().shape()) {
            case NONE -> { }
            case BINARY -> {
                ok.putObject("content").putObject("*/*").putObject("schema").put("type", "string")
                        .put("contentMediaType", "application/octet-stream");
                downloadHeaders(ok);
            }
            case TEXT -> ok.putObject("content").putObject(r.response().mediaType()).putObject("schema")
                    .put("type", "string");
            default -> ok.putObject("content").putObject("application/json").set("schema",
                    bodySchema(r.response(), gen));
        }
        if (r.operationId().equals("getAssetContent")) {
            ObjectNode partial = responses.putObject("206").put("description",
                    "the requested range (Content-Range set)");
            partial.putObject("content").putObject("*/*").putObject("schema").put("type", "string")
                    .put("contentMediaType", "application/octet-stream");
            downloadHeaders(partial);
        }
        errorsOf(r).forEach((status, errs) -> {
            ObjectNode e = responses.putObject(Integer.toString(status));
            e.put("description", String.join(", ", errs.stream().map(ApiError::name).toList()));
            e.putObject("content").putObject(Problems.MEDIA_TYPE).putObject("schema")
                    .put("$ref", "#/components/schemas/Problem");
        });
        if (r.isPublic()) {
            op.putArray("security");
        } else {
            op.putArray("security").addObject().putArray("bearer");
            op.put("x-stoq-permission", r.permission().name());
            op.put("x-stoq-totp", r.secondFactor());
        }
        return op;
    }

    /**
     * Errors any request can get before or beside its route's own logic: unparseable HTTP, a bad
     * query escape or a duplicate header (400), an over-long request line (414) or header block
     * (431), a bug (500), a full worker queue (503).
     */
    static final Set<ApiError> ANY_REQUEST = EnumSet.of(ApiError.BAD_REQUEST, ApiError.URI_TOO_LONG,
            ApiError.HEADERS_TOO_LARGE, ApiError.INTERNAL, ApiError.UNAVAILABLE);

    /** The headers every download carries (docs/api.md, "Downloads"). */
    private static void downloadHeaders(ObjectNode response) {
        ObjectNode h = response.putObject("headers");
        h.putObject("Content-Disposition").put("description", "attachment unless the stored type is "
                + "on the inline-safe list; filename (ASCII) and filename* (UTF-8, RFC 5987) from the "
                + "asset's name, else its id").putObject("schema").put("type", "string");
        h.putObject("X-Content-Type-Options").put("description", "always nosniff")
                .putObject("schema").put("type", "string").putArray("enum").add("nosniff");
    }

    /** Every error a route can answer, grouped by status (also used by tests). */
    public static Map<Integer, List<ApiError>> errorsOf(Route r) {
        Set<ApiError> all = EnumSet.noneOf(ApiError.class);
        all.addAll(r.errors());
        all.addAll(ANY_REQUEST);
        if (r.path().contains("{")) {
            // A path variable that is not one segment of [A-Za-z0-9._~-]{1,128} matches no route.
            all.add(ApiError.NOT_FOUND);
        }
        if (!r.isPublic()) {
            all.add(ApiError.UNAUTHENTICATED);
            all.add(ApiError.FORBIDDEN);
            all.add(ApiError.RATE_LIMITED);
        }
        if (r.secondFactor()) {
            all.add(ApiError.TOTP_REQUIRED);
        }
        Map<Integer, List<ApiError>> byStatus = new TreeMap<>();
        for (ApiError e : all) {
            byStatus.computeIfAbsent(e.status(), s -> new ArrayList<>()).add(e);
        }
        return byStatus;
    }

    private static ObjectNode bodySchema(Route.Body b, SchemaGenerator gen) {
        return switch (b.shape()) {
            case PAGE -> gen.page(b.type());
            case LIST -> {
                ObjectNode a = F.objectNode().put("type", "array");
                a.set("items", gen.ref(b.type()));
                yield a;
            }
            default -> b.type().isRecord() ? gen.ref(b.type()) : gen.schemaFor(b.type());
        };
    }

    private static String successText(Route r) {
        return switch (r.successStatus()) {
            case 201 -> "created";
            case 204 -> "done, no body";
            case 101 -> "switching to WebSocket";
            default -> "success";
        };
    }

    private static String tag(String path) {
        String[] parts = path.split("/");
        if (parts.length > 2 && parts[1].equals("v1")) {
            return parts[2].replace(".json", "");
        }
        return "system";
    }

    private static ObjectNode problemSchema() {
        ObjectNode s = F.objectNode().put("type", "object")
                .put("description", "RFC 9457 problem details");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("type", "string");
        props.put("title", "string");
        props.put("status", "integer");
        props.put("detail", "string");
        props.put("instance", "string");
        props.put("code", "string");
        ObjectNode p = s.putObject("properties");
        props.forEach((k, v) -> p.putObject(k).put("type", v));
        ArrayNode codes = ((ObjectNode) p.get("code")).putArray("enum");
        for (ApiError e : ApiError.values()) {
            codes.add(e.name());
        }
        s.putArray("required").add("type").add("title").add("status").add("detail").add("code");
        return s;
    }
}
