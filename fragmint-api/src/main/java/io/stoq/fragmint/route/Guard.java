package io.stoq.fragmint.route;

import io.stoq.fragmint.port.ApiException;

/**
 * A route's own permission check on its target (whose keys, whose asset), run by the dispatcher
 * after the role check and BEFORE the second factor: a caller who may not touch the target gets
 * 403 (or 404) and never learns whether a TOTP code would have been asked for or accepted. A guard
 * must only decide; the handler still does the work (and may check again).
 *
 * <p>Runs on a worker thread with {@link Exchange#caller()} and the path parameters set; may block.
 */
@FunctionalInterface
public interface Guard {
    /** No target check: the role decides alone. */
    Guard NONE = ex -> { };

    /** Throws {@code FORBIDDEN} (or {@code NOT_FOUND}) when the caller may not act on the target. */
    void check(Exchange exchange) throws ApiException;
}
