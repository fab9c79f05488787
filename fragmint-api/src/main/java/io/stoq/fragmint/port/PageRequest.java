package io.stoq.fragmint.port;

/**
 * Cursor pagination request. The cursor is opaque to clients: whatever the port returned as
 * {@link Page#nextCursor()} (null for the first page).
 *
 * @param cursor where to continue, or null from the start
 * @param limit maximum items, 1..{@link #MAX_LIMIT}
 */
public record PageRequest(String cursor, int limit) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public PageRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ": " + limit);
        }
    }

    public static PageRequest first(int limit) {
        return new PageRequest(null, limit);
    }
}
