package io.stoq.fragmint.http;

import io.stoq.fragmint.port.ApiError;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RFC 9457 problem documents. Every error the API sends is one of these, with the standard
 * members plus {@code code} (the {@link ApiError} name, for programs) and, for 429,
 * {@code retryAfterSeconds}.
 */
public final class Problems {
    /** The media type of problem documents. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private Problems() {}

    /** The problem body for {@code error}. */
    public static Map<String, Object> body(ApiError error, String detail, String instance) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", error.type());
        m.put("title", error.title());
        m.put("status", error.status());
        m.put("detail", detail == null ? error.title() : detail);
        m.put("instance", "urn:stoq:request:" + instance);
        m.put("code", error.name());
        return m;
    }
}
