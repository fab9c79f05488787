package io.stoq.fragmint.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stoq.fragmint.port.Nullable;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON Schema (2020-12, as OpenAPI 3.1 uses) for the API's records, by reflection over record
 * components, so the schema is whatever Jackson actually serialises. One rule for absent values
 * (see {@link Nullable}): a component marked {@code @Nullable} is {@code [type, "null"]} and not
 * required; every other component is required and never null. The same rule decides what a
 * request body must carry ({@code JsonBodyReader}). Not thread-safe: one instance per document.
 */
final class SchemaGenerator {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final Map<String, ObjectNode> schemas = new TreeMap<>();

    /** Registered component schemas, by name. */
    Map<String, ObjectNode> schemas() {
        return schemas;
    }

    /** A schema (usually a $ref) for {@code type}, registering records as components. */
    ObjectNode schemaFor(Type type) {
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (Collection.class.isAssignableFrom(raw)) {
                ObjectNode a = F.objectNode().put("type", "array");
                a.set("items", schemaFor(p.getActualTypeArguments()[0]));
                return a;
            }
            if (Map.class.isAssignableFrom(raw)) {
                return F.objectNode().put("type", "object");
            }
            return schemaFor(raw);
        }
        Class<?> c = (Class<?>) type;
        if (Map.class.isAssignableFrom(c) || com.fasterxml.jackson.databind.node.ObjectNode.class.isAssignableFrom(c)) {
            return F.objectNode().put("type", "object");
        }
        if (c == String.class) {
            return F.objectNode().put("type", "string");
        }
        if (c == long.class || c == Long.class || c == int.class || c == Integer.class) {
            return F.objectNode().put("type", "integer").put("format",
                    c == int.class || c == Integer.class ? "int32" : "int64");
        }
        if (c == boolean.class || c == Boolean.class) {
            return F.objectNode().put("type", "boolean");
        }
        if (c == Instant.class) {
            return F.objectNode().put("type", "string").put("format", "date-time");
        }
        if (c.isEnum()) {
            ObjectNode e = F.objectNode().put("type", "string");
            ArrayNode values = e.putArray("enum");
            for (Object v : c.getEnumConstants()) {
                values.add(((Enum<?>) v).name());
            }
            return e;
        }
        if (c.isRecord()) {
            return ref(c);
        }
        return F.objectNode();
    }

    /** A $ref to the record's component schema, generating it on first use. */
    ObjectNode ref(Class<?> record) {
        String name = name(record);
        if (!schemas.containsKey(name)) {
            ObjectNode s = F.objectNode().put("type", "object");
            schemas.put(name, s);
            ObjectNode props = s.putObject("properties");
            ArrayNode required = F.arrayNode();
            for (RecordComponent rc : record.getRecordComponents()) {
                boolean nullable = !rc.getType().isPrimitive() && rc.isAnnotationPresent(Nullable.class);
                ObjectNode schema = schemaFor(rc.getGenericType());
                props.set(rc.getName(), nullable ? orNull(schema) : schema);
                if (!nullable) {
                    required.add(rc.getName());
                }
            }
            if (!required.isEmpty()) {
                s.set("required", required);
            }
            s.put("additionalProperties", false);
        }
        return F.objectNode().put("$ref", "#/components/schemas/" + name);
    }

    /** {@code schema} that also admits JSON null (for {@link Nullable} components). */
    static ObjectNode orNull(ObjectNode schema) {
        if (schema.has("type") && schema.get("type").isTextual()) {
            ObjectNode copy = schema.deepCopy();
            copy.putArray("type").add(schema.get("type").asText()).add("null");
            return copy;
        }
        ObjectNode any = F.objectNode();
        any.putArray("anyOf").add(schema).addObject().put("type", "null");
        return any;
    }

    /** A page-of-records schema. */
    ObjectNode page(Class<?> record) {
        String name = "PageOf" + name(record);
        if (!schemas.containsKey(name)) {
            ObjectNode s = F.objectNode().put("type", "object");
            schemas.put(name, s);
            ObjectNode props = s.putObject("properties");
            ObjectNode items = props.putObject("items").put("type", "array");
            items.set("items", ref(record));
            ObjectNode next = props.putObject("nextCursor");
            next.putArray("type").add("string").add("null");
            next.put("description", "cursor for the next page; null on the last page");
            s.putArray("required").add("items").add("nextCursor");
        }
        return F.objectNode().put("$ref", "#/components/schemas/" + name);
    }

    static String name(Class<?> c) {
        Class<?> outer = c.getEnclosingClass();
        if (outer != null && !outer.getSimpleName().equals("Messages")) {
            return outer.getSimpleName() + c.getSimpleName();
        }
        return c.getSimpleName();
    }
}
