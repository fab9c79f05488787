package io.stoq.fragmint.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Nullable;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a JSON request body into a request record, checking it first against the same rules the
 * OpenAPI schema states (the schema generator reflects over the same records): the body is one
 * JSON object; no unknown, duplicate or missing field; every value of its declared JSON type;
 * integers whole and within 64 (or 32) bits. Only then is the checked tree bound by Jackson, which
 * therefore never coerces ({@code 1.5} truncated to 1, {@code "5"} read as 5, a number read as an
 * instant) and never gets to phrase an error.
 *
 * <p>Every failure is a 400 {@code BAD_REQUEST} whose detail names the field and what was
 * expected, in JSON terms ({@code field 'amount' must be an integer, not a decimal number}),
 * never a Java type or a parser class. Stateless; thread-safe.
 */
final class JsonBodyReader {
    /** Deeper bodies are refused before they cost stack; no request record nests more than 3. */
    static final int MAX_DEPTH = 32;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonBodyReader() {}

    /** Parses, checks and binds {@code body} as {@code type} (a record). */
    static <T> T read(byte[] body, Class<T> type) throws ApiException {
        JsonNode tree = parse(body);
        check(type, tree, "", false);
        try {
            return Json.MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // The checks above mirror what the binder accepts; reaching here is a gap in them.
            throw ApiException.badRequest("the JSON body does not fit this operation");
        }
    }

    private static JsonNode parse(byte[] body) throws ApiException {
        try (JsonParser p = Json.MAPPER.createParser(body)) {
            if (p.nextToken() == null) {
                throw ApiException.badRequest("missing JSON body");
            }
            JsonNode root = value(p, 0);
            if (p.nextToken() != null) {
                throw ApiException.badRequest("unexpected data after the JSON value (line "
                        + p.currentTokenLocation().getLineNr() + ", column "
                        + p.currentTokenLocation().getColumnNr() + ")");
            }
            return root;
        } catch (JsonEOFException e) {
            throw ApiException.badRequest("the JSON body ends before its value is complete");
        } catch (StreamConstraintsException e) {
            throw ApiException.badRequest("the JSON body has a number or string that is too long");
        } catch (JsonParseException e) {
            String why = Problems.clientSafe(e.getOriginalMessage(), "unexpected input");
            throw ApiException.badRequest("the body is not valid JSON (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + "): " + why);
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read as JSON");
        }
    }

    /** The value at the parser's current token, as a tree; duplicate names are refused. */
    private static JsonNode value(JsonParser p, int depth) throws IOException, ApiException {
        if (depth > MAX_DEPTH) {
            throw ApiException.badRequest("the JSON body is nested more than " + MAX_DEPTH + " levels deep");
        }
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = F.objectNode();
                for (JsonToken n = p.nextToken(); n == JsonToken.FIELD_NAME; n = p.nextToken()) {
                    String name = p.currentName();
                    p.nextToken();
                    JsonNode v = value(p, depth + 1);
                    if (o.has(name)) {
                        throw ApiException.badRequest("field '" + quote(name) + "' appears more than once");
                    }
                    o.set(name, v);
                }
                return o;
            }
            case START_ARRAY: {
                ArrayNode a = F.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(value(p, depth + 1));
                }
                return a;
            }
            case VALUE_STRING:
                return F.textNode(p.getText());
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? F.numberNode(p.getBigIntegerValue()) : F.numberNode(p.getLongValue());
            case VALUE_NUMBER_FLOAT:
                // No request field is fractional; the value only needs to be recognised as one.
                return F.numberNode(p.getDoubleValue());
            case VALUE_TRUE:
            case VALUE_FALSE:
                return F.booleanNode(t == JsonToken.VALUE_TRUE);
            case VALUE_NULL:
                return F.nullNode();
            default:
                throw ApiException.badRequest("unexpected JSON token at line "
                        + p.currentTokenLocation().getLineNr());
        }
    }

    /**
     * Checks {@code n} (null when the field is absent) against {@code type}.
     *
     * @param at the field's path for messages ({@code amount}, {@code items[2].id}); empty for the body
     */
    private static void check(Type type, JsonNode n, String at, boolean nullable) throws ApiException {
        if (n == null || n.isNull()) {
            if (nullable) {
                return;
            }
            if (at.isEmpty()) {
                throw ApiException.badRequest("the body must be a JSON object, not null");
            }
            throw ApiException.badRequest(n == null ? "missing field '" + at + "'"
                    : "field '" + at + "' must not be null");
        }
        Class<?> c = raw(type);
        if (c == String.class) {
            expect(n.isTextual(), at, "a string", n);
        } else if (c == long.class || c == Long.class || c == int.class || c == Integer.class) {
            expect(n.isIntegralNumber(), at, "an integer", n);
            boolean wide = c == long.class || c == Long.class;
            if (wide ? !n.canConvertToLong() : !n.canConvertToInt()) {
                throw ApiException.badRequest(subject(at) + " is out of range: it must be an integer from "
                        + (wide ? Long.MIN_VALUE + " to " + Long.MAX_VALUE
                                : Integer.MIN_VALUE + " to " + Integer.MAX_VALUE));
            }
        } else if (c == boolean.class || c == Boolean.class) {
            expect(n.isBoolean(), at, "true or false", n);
        } else if (c == Instant.class) {
            expect(n.isTextual(), at, "an ISO-8601 instant in a string (2026-01-31T12:00:00Z)", n);
            try {
                Instant.parse(n.textValue());
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest(subject(at) + " must be an ISO-8601 instant such as "
                        + "2026-01-31T12:00:00Z");
            }
        } else if (c.isEnum()) {
            String names = Arrays.stream(c.getEnumConstants()).map(e -> ((Enum<?>) e).name())
                    .collect(Collectors.joining(", "));
            expect(n.isTextual(), at, "one of " + names, n);
            if (Arrays.stream(c.getEnumConstants()).noneMatch(e -> ((Enum<?>) e).name().equals(n.textValue()))) {
                throw ApiException.badRequest(subject(at) + " must be one of " + names);
            }
        } else if (Collection.class.isAssignableFrom(c) && type instanceof ParameterizedType p) {
            expect(n.isArray(), at, "an array", n);
            for (int i = 0; i < n.size(); i++) {
                check(p.getActualTypeArguments()[0], n.get(i), at + "[" + i + "]", false);
            }
        } else if (c.isRecord()) {
            checkRecord(c, n, at);
        } else {
            throw new IllegalStateException("request records may not hold " + c.getSimpleName());
        }
    }

    private static void checkRecord(Class<?> c, JsonNode n, String at) throws ApiException {
        expect(n.isObject(), at, "a JSON object", n);
        RecordComponent[] components = c.getRecordComponents();
        Set<String> names = Arrays.stream(components).map(RecordComponent::getName)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!names.contains(name)) {
                throw ApiException.badRequest("unknown field '" + quote(path(at, name)) + "'"
                        + (names.isEmpty() ? ": this body takes no fields"
                                : ": " + (at.isEmpty() ? "the body" : "'" + at + "'") + " takes "
                                        + String.join(", ", names)));
            }
        }
        for (RecordComponent rc : components) {
            check(rc.getGenericType(), n.get(rc.getName()), path(at, rc.getName()),
                    !rc.getType().isPrimitive() && rc.isAnnotationPresent(Nullable.class));
        }
    }

    private static void expect(boolean ok, String at, String what, JsonNode n) throws ApiException {
        if (!ok) {
            throw ApiException.badRequest(subject(at) + " must be " + what + ", not " + describe(n));
        }
    }

    private static String subject(String at) {
        return at.isEmpty() ? "the body" : "field '" + at + "'";
    }

    private static String describe(JsonNode n) {
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isIntegralNumber()) {
            return "an integer";
        }
        if (n.isNumber()) {
            return "a decimal number";
        }
        if (n.isBoolean()) {
            return n.booleanValue() ? "true" : "false";
        }
        if (n.isArray()) {
            return "an array";
        }
        return n.isObject() ? "an object" : "null";
    }

    private static String path(String at, String name) {
        return at.isEmpty() ? name : at + "." + name;
    }

    /** A client-chosen name, shortened and stripped of control characters, to echo safely. */
    private static String quote(String name) {
        String s = name.codePoints().filter(cp -> !Character.isISOControl(cp) && cp != '\'')
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }
}
