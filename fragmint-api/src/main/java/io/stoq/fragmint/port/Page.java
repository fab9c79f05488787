package io.stoq.fragmint.port;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param items the items, at most the requested limit
 * @param nextCursor opaque cursor for the next page, or null when this is the last page
 */
public record Page<T>(List<T> items, String nextCursor) {
    public Page {
        items = List.copyOf(items);
    }
}
