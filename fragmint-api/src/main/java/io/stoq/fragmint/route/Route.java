package io.stoq.fragmint.route;

import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.port.ApiError;
import java.util.List;
import java.util.Set;

/**
 * One API operation: how it is reached, who may call it, what it takes and returns. The router
 * dispatches on these records and the OpenAPI document is generated from the same records, so the
 * two cannot drift.
 *
 * @param operationId stable name (OpenAPI operationId, audit, metrics tag)
 * @param method HTTP method
 * @param path template, {@code /v1/assets/{id}}
 * @param permission what the caller's role needs; null for a public route
 * @param secondFactor whether a TOTP code (or a session) is required
 * @param summary one line for the docs
 * @param request what the body must be
 * @param response what a success returns
 * @param successStatus the HTTP status of success
 * @param queryParams declared query parameters
 * @param headerParams declared request headers (besides Authorization)
 * @param errors errors this route can answer besides the auth ones the table adds
 * @param handler the code
 * @param guard the target check run after the role check and before the second factor
 */
public record Route(String operationId, String method, String path, Permission permission,
        boolean secondFactor, String summary, Body request, Body response, int successStatus,
        List<Param> queryParams, List<Param> headerParams, Set<ApiError> errors, Handler handler,
        Guard guard) {

    public Route {
        guard = guard == null ? Guard.NONE : guard;
        queryParams = List.copyOf(queryParams);
        headerParams = List.copyOf(headerParams);
        errors = Set.copyOf(errors);
    }

    /** True when no credential is needed. */
    public boolean isPublic() {
        return permission == null;
    }

    /**
     * A body description.
     *
     * @param shape how {@code type} appears
     * @param mediaType media type on the wire
     * @param type the record class (null for binary or text)
     */
    public record Body(Shape shape, String mediaType, Class<?> type) {
        public static final Body NONE = new Body(Shape.NONE, null, null);

        public static Body json(Class<?> type) {
            return new Body(Shape.OBJECT, "application/json", type);
        }

        public static Body page(Class<?> type) {
            return new Body(Shape.PAGE, "application/json", type);
        }

        public static Body list(Class<?> type) {
            return new Body(Shape.LIST, "application/json", type);
        }

        public static Body binary() {
            return new Body(Shape.BINARY, "application/octet-stream", null);
        }

        public static Body text(String mediaType) {
            return new Body(Shape.TEXT, mediaType, null);
        }
    }

    /** Body shapes. */
    public enum Shape {
        /** No body. */
        NONE,
        /** One JSON object of the type. */
        OBJECT,
        /** {@code {"items": [type...], "nextCursor": string|null}}. */
        PAGE,
        /** A JSON array of the type. */
        LIST,
        /** Raw bytes, streamed. */
        BINARY,
        /** Text of the media type. */
        TEXT
    }

    /**
     * A declared parameter.
     *
     * @param name name
     * @param type OpenAPI scalar type: string, integer, boolean
     * @param required whether it must be present
     * @param description one line
     */
    public record Param(String name, String type, boolean required, String description) {}
}
