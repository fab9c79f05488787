package io.stoq.fragmint.s3;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One S3 request as received: method, the raw path and query exactly as the client sent them
 * (SigV4 canonicalises from these), the decoded query, the headers, and the bucket and key once
 * addressing (path or virtual-hosted style) is resolved.
 *
 * @param method HTTP method
 * @param rawPath the path as sent, still percent-encoded
 * @param query decoded query parameters in the order sent (names without a value map to "")
 * @param headers the request headers
 * @param bucket the bucket addressed, or null for the service (ListBuckets)
 * @param key the object key addressed (decoded), or null for a bucket operation
 * @param remote the client's address, for the audit log
 */
public record S3Request(String method, String rawPath, List<Map.Entry<String, String>> query, HttpHeaders headers,
        String bucket, String key, String remote) {

    /** Splits and decodes a raw query string ({@code +} is a space only in form encoding, not here). */
    public static List<Map.Entry<String, String>> parseQuery(String rawQuery) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String part : rawQuery.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            out.add(Map.entry(decode(name), decode(value)));
        }
        return out;
    }

    /** Percent-decodes {@code s} as UTF-8, keeping {@code +} as a plus. */
    public static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The first value of query parameter {@code name}, or null. */
    public String param(String name) {
        for (Map.Entry<String, String> e : query) {
            if (e.getKey().equals(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    public boolean has(String name) {
        return param(name) != null;
    }

    /** A header's value, or null. */
    public String header(String name) {
        return headers.get(name);
    }
}
