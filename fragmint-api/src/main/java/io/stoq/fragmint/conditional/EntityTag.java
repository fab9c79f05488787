package io.stoq.fragmint.conditional;

import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP entity tag (RFC 9110 section 8.8.3): an opaque quoted string, strong or weak
 * ({@code W/"..."}). Strong comparison needs both strong and equal; weak comparison only equal.
 *
 * @param opaque the characters between the quotes
 * @param weak whether the tag carries the {@code W/} prefix
 */
public record EntityTag(String opaque, boolean weak) {
    public EntityTag {
        for (int i = 0; i < opaque.length(); i++) {
            char c = opaque.charAt(i);
            if (!isEtagChar(c)) {
                throw new IllegalArgumentException("not an entity-tag character: " + (int) c);
            }
        }
    }

    /** A strong tag. */
    public static EntityTag strong(String opaque) {
        return new EntityTag(opaque, false);
    }

    /** As sent in an {@code ETag} header. */
    public String header() {
        return (weak ? "W/\"" : "\"") + opaque + "\"";
    }

    /** RFC 9110 8.8.3.2 strong comparison. */
    public boolean strongMatch(EntityTag other) {
        return !weak && !other.weak && opaque.equals(other.opaque);
    }

    /** RFC 9110 8.8.3.2 weak comparison. */
    public boolean weakMatch(EntityTag other) {
        return opaque.equals(other.opaque);
    }

    /**
     * The value of an {@code If-Match} / {@code If-None-Match} field (all its lines joined with
     * commas): {@link Condition.Any} for {@code *}, else the listed tags. Empty list elements are
     * skipped as the list grammar allows.
     *
     * @throws IllegalArgumentException when a member is not an entity tag (the caller answers 400)
     */
    public static Condition parseCondition(String field) {
        String v = field.trim();
        if (v.equals("*")) {
            return new Condition.Any();
        }
        List<EntityTag> tags = new ArrayList<>();
        int i = 0;
        while (i < v.length()) {
            char c = v.charAt(i);
            if (c == ',' || c == ' ' || c == '\t') {
                i++;
                continue;
            }
            boolean weak = false;
            if (v.startsWith("W/", i)) {
                weak = true;
                i += 2;
            }
            if (i >= v.length() || v.charAt(i) != '"') {
                throw new IllegalArgumentException("expected a quoted entity tag at position " + i);
            }
            int end = v.indexOf('"', i + 1);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated entity tag");
            }
            tags.add(new EntityTag(v.substring(i + 1, end), weak));
            i = end + 1;
            while (i < v.length() && (v.charAt(i) == ' ' || v.charAt(i) == '\t')) {
                i++;
            }
            if (i < v.length() && v.charAt(i) != ',') {
                throw new IllegalArgumentException("expected a comma after an entity tag at position " + i);
            }
        }
        if (tags.isEmpty()) {
            throw new IllegalArgumentException("no entity tag");
        }
        return new Condition.Tags(List.copyOf(tags));
    }

    /** Parses one entity tag (an {@code If-Range} value that starts with a quote or {@code W/}). */
    public static EntityTag parse(String value) {
        Condition c = parseCondition(value);
        if (!(c instanceof Condition.Tags t) || t.tags().size() != 1) {
            throw new IllegalArgumentException("expected exactly one entity tag");
        }
        return t.tags().get(0);
    }

    private static boolean isEtagChar(char c) {
        return c == 0x21 || (c >= 0x23 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
    }

    /** What an {@code If-Match} or {@code If-None-Match} field names. */
    public sealed interface Condition {
        /** {@code *}: any current representation. */
        record Any() implements Condition {}

        /** A list of entity tags. */
        record Tags(List<EntityTag> tags) implements Condition {}
    }
}
