package io.stoq.fragmint.route;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.ByteRange;

/**
 * Parses an HTTP {@code Range} header (RFC 9110 s.14) against a known content size. One range per
 * request: {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n}. Multi-range requests, other
 * units, malformed syntax and ranges starting past the end are answered 416 rather than silently
 * ignored, so a client bug shows up as an error instead of a surprise full download.
 */
public final class RangeHeader {
    private RangeHeader() {}

    /**
     * The range to serve, or null to serve the whole content ({@code header} absent).
     *
     * @throws ApiException {@link ApiError#RANGE_NOT_SATISFIABLE} as described above
     */
    public static ByteRange resolve(String header, long size) throws ApiException {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            throw unsatisfiable("only 'bytes' ranges are supported", size);
        }
        String spec = h.substring(6).trim();
        if (spec.contains(",")) {
            throw unsatisfiable("only one range per request is supported", size);
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            throw unsatisfiable("malformed range '" + spec + "'", size);
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        try {
            if (a.isEmpty()) {
                long suffix = digits(b);
                if (suffix == 0 || size == 0) {
                    throw unsatisfiable("empty suffix range", size);
                }
                return new ByteRange(Math.max(0, size - suffix), size - 1);
            }
            long first = digits(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : digits(b);
            if (last < first) {
                throw unsatisfiable("range end before start", size);
            }
            if (first >= size) {
                throw unsatisfiable("range starts at " + first + ", content has " + size + " bytes", size);
            }
            return new ByteRange(first, Math.min(last, size - 1));
        } catch (NumberFormatException e) {
            throw unsatisfiable("malformed range '" + spec + "'", size);
        }
    }

    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(Character::isDigit)) {
            throw new NumberFormatException(s);
        }
        return Long.parseLong(s);
    }

    private static ApiException unsatisfiable(String why, long size) {
        return new Unsatisfiable(why + " (content length " + size + ")", size);
    }

    /** 416 carrying the content size, so the response can say {@code Content-Range: bytes *}{@code /size}. */
    public static final class Unsatisfiable extends ApiException {
        private static final long serialVersionUID = 1L;
        private final long size;

        Unsatisfiable(String message, long size) {
            super(ApiError.RANGE_NOT_SATISFIABLE, message);
            this.size = size;
        }

        /** The complete length of the content, in bytes. */
        public long size() {
            return size;
        }
    }
}
