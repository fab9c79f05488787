package io.stoq.fragmint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operations of a served {@code /v1/openapi.json}, walked in a stable order (by path, then
 * method), with a concrete value for every path variable. Tests built on it cover a route added
 * later without being changed: a variable they have no fixture for gets a plausible id (and then
 * meets 404, which every templated path documents).
 */
public final class ServedDocument {
    private static final Pattern VAR = Pattern.compile("\\{([^}]+)}");

    /**
     * One operation.
     *
     * @param method upper case
     * @param path the template ({@code /v1/assets/{id}})
     * @param spec the operation object
     */
    public record Operation(String method, String path, JsonNode spec) {
        public String id() {
            return spec.path("operationId").asText();
        }

        public boolean documents(int status) {
            return spec.path("responses").has(Integer.toString(status));
        }

        public boolean isPublic() {
            return spec.path("security").isEmpty();
        }

        public boolean needsTotp() {
            return spec.path("x-stoq-totp").asBoolean(false);
        }

        public boolean takesJson() {
            return spec.path("requestBody").path("content").has("application/json");
        }

        public boolean takesBytes() {
            return spec.has("requestBody") && !takesJson();
        }

        /** Declared parameters of {@code in} ("query", "header", "path"). */
        public List<JsonNode> parameters(String in) {
            List<JsonNode> out = new ArrayList<>();
            spec.path("parameters").forEach(p -> {
                if (in.equals(p.path("in").asText())) {
                    out.add(p);
                }
            });
            return out;
        }

        public List<String> variables() {
            List<String> out = new ArrayList<>();
            Matcher m = VAR.matcher(path);
            while (m.find()) {
                out.add(m.group(1));
            }
            return out;
        }
    }

    private final JsonNode doc;
    private final List<Operation> operations = new ArrayList<>();

    public ServedDocument(JsonNode doc) {
        this.doc = doc;
        for (String path : new TreeSet<>(names(doc.get("paths")))) {
            JsonNode item = doc.get("paths").get(path);
            for (String method : new TreeSet<>(names(item))) {
                operations.add(new Operation(method.toUpperCase(Locale.ROOT), path, item.get(method)));
            }
        }
    }

    public JsonNode json() {
        return doc;
    }

    /** Every operation but the HEADs of GET operations (see {@link #headOperations}). */
    public List<Operation> operations() {
        return operations.stream().filter(o -> !o.method().equals("HEAD")).toList();
    }

    /** The HEAD operation the document lists beside each GET. */
    public List<Operation> headOperations() {
        return operations.stream().filter(o -> o.method().equals("HEAD")).toList();
    }

    /** Upper-case methods the document lists for {@code path}, HEAD included. */
    public List<String> methodsOf(String path) {
        return operations.stream().filter(o -> o.path().equals(path)).map(Operation::method).toList();
    }

    /** The request body schema of a JSON operation, $ref resolved one level. */
    public JsonNode requestSchema(Operation op) {
        JsonNode s = op.spec().path("requestBody").path("content").path("application/json").path("schema");
        return resolve(s);
    }

    public JsonNode resolve(JsonNode schema) {
        if (schema.has("$ref")) {
            return doc.path("components").path("schemas")
                    .path(schema.get("$ref").asText().replace("#/components/schemas/", ""));
        }
        return schema;
    }

    /**
     * The path with its variables filled from {@code values} (by name; {@code id} by the path's
     * first segment after /v1: {@code assets}, {@code accounts}, {@code nodes}), else "x".
     */
    public static String concrete(String path, Map<String, String> values) {
        Matcher m = VAR.matcher(path);
        StringBuilder b = new StringBuilder();
        String[] segs = path.split("/");
        String area = segs.length > 2 ? segs[2] : "";
        while (m.find()) {
            String name = m.group(1);
            String v = values.getOrDefault(area + "." + name, values.getOrDefault(name, "x"));
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.startsWith("x-") && !k.equals("parameters") && !k.equals("summary") && !k.equals("description")) {
                out.add(k);
            }
        }
        return out;
    }
}
