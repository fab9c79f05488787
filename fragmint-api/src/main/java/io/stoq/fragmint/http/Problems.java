package io.stoq.fragmint.http;

import io.stoq.fragmint.port.ApiError;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * RFC 9457 problem documents. Every error the API sends is one of these, with the standard
 * members plus {@code code} (the {@link ApiError} name, for programs) and, for 429,
 * {@code retryAfterSeconds}.
 */
public final class Problems {
    /** The media type of problem documents. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /**
     * What gives away the implementation: a qualified Java name ({@code java.lang.Long},
     * {@code io.netty...}), an exception or a Jackson feature name, a stack frame.
     */
    private static final Pattern IMPLEMENTATION = Pattern.compile(
            "(?:\\b[a-z][a-z0-9_]*\\.){2,}[A-Za-z]|\\$[A-Z]|Exception|Error\\b|Feature\\b|\\bat [a-z]+\\.|[`<>{}]");

    private Problems() {}

    /**
     * A one-line, client-safe version of a library's failure message (Netty's codec, the JSON
     * parser), or {@code fallback} when the message is missing, long, or names Java types.
     */
    public static String clientSafe(Throwable cause, String fallback) {
        return clientSafe(cause == null ? null : cause.getMessage(), fallback);
    }

    /** {@code message} made one line, or {@code fallback} when it is missing, long or names Java types. */
    public static String clientSafe(String message, String fallback) {
        String m = message;
        if (m == null) {
            return fallback;
        }
        m = m.replaceAll("\\s+", " ").trim();
        if (m.isEmpty() || m.length() > 160 || IMPLEMENTATION.matcher(m).find()) {
            return fallback;
        }
        return m;
    }

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
