package io.stoq.fragmint;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON value against a schema of the served OpenAPI document, for the subset of JSON
 * Schema the document uses ({@code $ref}, {@code type} as a name or a list, {@code properties},
 * {@code required}, {@code additionalProperties: false}, {@code items}, {@code enum},
 * {@code anyOf}, {@code format: date-time}, {@code format: int32/int64}). An unknown keyword
 * fails loudly, so the checker cannot silently accept what it does not understand. It finds the
 * answers that disagree with the document (a null where the schema says string). Stateless.
 */
public final class SchemaCheck {
    private static final java.util.Set<String> KNOWN = java.util.Set.of("$ref", "type", "properties",
            "required", "additionalProperties", "items", "enum", "anyOf", "format", "description",
            "pattern", "contentMediaType");

    private final JsonNode doc;

    public SchemaCheck(JsonNode doc) {
        this.doc = doc;
    }

    /** Every disagreement between {@code value} and {@code schema}; empty when it conforms. */
    public List<String> problems(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "$", out);
        return out;
    }

    /**
     * The schema of the documented response {@code status} of the operation, for the media type
     * {@code application/json} or {@code application/problem+json}; null when it documents none.
     */
    public static JsonNode responseSchema(JsonNode operation, int status) {
        JsonNode content = operation.path("responses").path(Integer.toString(status)).path("content");
        for (String type : new String[] {"application/json", "application/problem+json"}) {
            if (content.has(type)) {
                return content.get(type).get("schema");
            }
        }
        return null;
    }

    private void check(JsonNode schema, JsonNode v, String at, List<String> out) {
        for (Iterator<String> k = schema.fieldNames(); k.hasNext(); ) {
            String key = k.next();
            if (!KNOWN.contains(key)) {
                throw new IllegalArgumentException("SchemaCheck does not know keyword '" + key + "' at " + at);
            }
        }
        if (schema.has("$ref")) {
            String name = schema.get("$ref").asText().replace("#/components/schemas/", "");
            JsonNode target = doc.path("components").path("schemas").get(name);
            if (target == null) {
                out.add(at + ": unresolved $ref " + name);
                return;
            }
            check(target, v, at, out);
            return;
        }
        if (schema.has("anyOf")) {
            for (JsonNode alt : schema.get("anyOf")) {
                List<String> tmp = new ArrayList<>();
                check(alt, v, at, tmp);
                if (tmp.isEmpty()) {
                    return;
                }
            }
            out.add(at + ": matches none of anyOf: " + v);
            return;
        }
        if (schema.has("type")) {
            List<String> types = new ArrayList<>();
            if (schema.get("type").isArray()) {
                schema.get("type").forEach(t -> types.add(t.asText()));
            } else {
                types.add(schema.get("type").asText());
            }
            String actual = typeOf(v);
            boolean ok = types.contains(actual) || (actual.equals("integer") && types.contains("number"));
            if (!ok) {
                out.add(at + ": is " + actual + " (" + abbreviate(v) + "), schema says " + types);
                return;
            }
        }
        if (schema.has("enum") && !v.isNull()) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(v);
            }
            if (!found) {
                out.add(at + ": " + v + " not in enum " + schema.get("enum"));
            }
        }
        if ("date-time".equals(schema.path("format").asText()) && v.isTextual()) {
            try {
                Instant.parse(v.asText());
            } catch (DateTimeParseException e) {
                out.add(at + ": not a date-time: " + v.asText());
            }
        }
        if ("int32".equals(schema.path("format").asText()) && v.isIntegralNumber() && !v.canConvertToInt()) {
            out.add(at + ": out of int32 range");
        }
        if (v.isObject()) {
            JsonNode props = schema.path("properties");
            for (JsonNode r : schema.path("required")) {
                if (!v.has(r.asText())) {
                    out.add(at + ": required field '" + r.asText() + "' missing");
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> f = v.fields(); f.hasNext(); ) {
                Map.Entry<String, JsonNode> e = f.next();
                if (props.has(e.getKey())) {
                    check(props.get(e.getKey()), e.getValue(), at + "." + e.getKey(), out);
                } else if (schema.path("additionalProperties").isBoolean()
                        && !schema.get("additionalProperties").asBoolean()) {
                    out.add(at + ": field '" + e.getKey() + "' not in the schema");
                }
            }
        }
        if (v.isArray() && schema.has("items")) {
            for (int i = 0; i < v.size(); i++) {
                check(schema.get("items"), v.get(i), at + "[" + i + "]", out);
            }
        }
    }

    private static String typeOf(JsonNode v) {
        if (v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            return "string";
        }
        if (v.isIntegralNumber()) {
            return "integer";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        return v.isArray() ? "array" : "object";
    }

    private static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
