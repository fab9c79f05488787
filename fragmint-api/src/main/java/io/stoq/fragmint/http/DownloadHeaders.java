package io.stoq.fragmint.http;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a download tells the browser about the bytes it carries. Asset content is whatever an
 * uploader sent, under a Content-Type the uploader chose, so a download must never let a browser
 * run it as a page of this origin:
 *
 * <ul>
 *   <li>the stored media type is re-parsed and rebuilt from its syntax ({@code type/subtype} and
 *       {@code ;name=value} parameters of RFC 9110 tokens or quoted strings); anything else is
 *       served as {@code application/octet-stream}, so no stored value can inject a header;
 *   <li>{@code Content-Disposition: attachment} unless the type is on {@link #INLINE_SAFE}
 *       (images that cannot carry script, plain text, audio and video), with the asset's file name
 *       encoded per RFC 6266 and RFC 5987 (an ASCII {@code filename} and a UTF-8
 *       {@code filename*});
 *   <li>{@code X-Content-Type-Options: nosniff} (on every response) and
 *       {@code Content-Security-Policy: sandbox}, so {@code text/plain} stays text and even an
 *       inline type runs no script.
 * </ul>
 *
 * <p>Not on the safe list, on purpose: {@code text/html}, {@code image/svg+xml} (script inside),
 * XML and XHTML, JavaScript, {@code application/pdf} (viewers run embedded script and forms), and
 * every unknown type. Stateless; thread-safe.
 */
final class DownloadHeaders {
    /** Media types (type/subtype, lower case) a browser may show in place. */
    static final Set<String> INLINE_SAFE = Set.of(
            "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
            "text/plain",
            "audio/mpeg", "audio/ogg", "audio/wav", "audio/webm", "audio/flac",
            "video/mp4", "video/webm", "video/ogg");

    static final String FALLBACK_TYPE = "application/octet-stream";

    private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    private static final Pattern ESSENCE = Pattern.compile("(" + TOKEN + ")/(" + TOKEN + ")");
    private static final Pattern PARAM = Pattern.compile(
            "[ \\t]*;[ \\t]*(" + TOKEN + ")=(" + TOKEN + "|\"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t \\x21-\\x7e])*\")");

    private DownloadHeaders() {}

    /**
     * {@code value} rebuilt as a media type (type and subtype lower case, parameters kept when
     * well formed), or null when it is not one. At most 255 characters are considered.
     */
    static String normalize(String value) {
        if (value == null || value.length() > 255) {
            return null;
        }
        String v = value.strip();
        Matcher m = ESSENCE.matcher(v);
        if (!m.lookingAt()) {
            return null;
        }
        StringBuilder out = new StringBuilder(m.group(1).toLowerCase(Locale.ROOT)).append('/')
                .append(m.group(2).toLowerCase(Locale.ROOT));
        int at = m.end();
        Matcher p = PARAM.matcher(v);
        while (at < v.length()) {
            if (!p.region(at, v.length()).lookingAt()) {
                return null;
            }
            out.append("; ").append(p.group(1).toLowerCase(Locale.ROOT)).append('=').append(p.group(2));
            at = p.end();
        }
        return out.toString();
    }

    /** The type to send for a stored one: normalised, or {@link #FALLBACK_TYPE}. */
    static String contentType(String stored) {
        String n = normalize(stored);
        return n == null ? FALLBACK_TYPE : n;
    }

    /** True when a browser may render this (normalised) type in place. */
    static boolean inline(String contentType) {
        int semi = contentType.indexOf(';');
        return INLINE_SAFE.contains(semi < 0 ? contentType : contentType.substring(0, semi));
    }

    /**
     * The Content-Disposition value: {@code inline} or {@code attachment}, with
     * {@code filename="ascii"} and, when the name is not plain ASCII, {@code filename*=UTF-8''...}.
     *
     * @param name the asset's file name, or null
     * @param fallback used when there is no name (the asset id)
     */
    static String disposition(boolean inline, String name, String fallback) {
        String n = name == null || name.isBlank() ? fallback : name;
        String ascii = asciiFallback(n);
        StringBuilder b = new StringBuilder(inline ? "inline" : "attachment")
                .append("; filename=\"").append(ascii).append('"');
        if (!ascii.equals(n)) {
            b.append("; filename*=UTF-8''").append(rfc5987(n));
        }
        return b.toString();
    }

    /** Printable ASCII without quote, backslash, percent or path separators; others become '_'. */
    static String asciiFallback(String name) {
        StringBuilder b = new StringBuilder();
        name.codePoints().forEach(cp -> b.append(cp >= 0x20 && cp < 0x7f && "\"\\%/".indexOf(cp) < 0
                ? (char) cp : '_'));
        return b.toString();
    }

    /** RFC 5987 ext-value characters: attr-char as is, every other UTF-8 byte as %XX. */
    static String rfc5987(String name) {
        StringBuilder b = new StringBuilder();
        for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }
}
