package io.stoq.fragmint.port;

/**
 * A resolved, satisfiable byte range of a content of known size (both ends inclusive, as in
 * HTTP). An empty content has no satisfiable range; it is served whole.
 *
 * @param first offset of the first byte
 * @param last offset of the last byte, {@code >= first}
 */
public record ByteRange(long first, long last) {
    public ByteRange {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("bad range " + first + "-" + last);
        }
    }

    /** The whole of a non-empty content of {@code size} bytes. */
    public static ByteRange whole(long size) {
        return new ByteRange(0, size - 1);
    }

    /** Number of bytes in the range. */
    public long length() {
        return last - first + 1;
    }
}
