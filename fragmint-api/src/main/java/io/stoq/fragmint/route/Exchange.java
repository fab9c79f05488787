package io.stoq.fragmint.route;

import io.stoq.fragmint.conditional.Preconditions;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.NewContent;
import java.io.InputStream;
import java.util.Optional;

/**
 * One request as a route handler sees it, whatever the HTTP version. Implemented by the HTTP layer;
 * handlers run on a worker thread and may block.
 */
public interface Exchange {

    /** The request method; {@code HEAD} for a HEAD request answered by a GET route. */
    String method();

    /** The request's conditional fields (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since). */
    default Preconditions.Request preconditions() {
        return new Preconditions.Request(header("If-Match").orElse(null), header("If-None-Match").orElse(null),
                header("If-Modified-Since").orElse(null), header("If-Unmodified-Since").orElse(null));
    }

    /** The authorised caller; null only on public routes. */
    Caller caller();

    /** A path template variable ({@code {id}} in the route's path); never null for a declared one. */
    String pathParam(String name);

    /** A query parameter (first value), empty when absent. */
    Optional<String> query(String name);

    /** A request header (first value), empty when absent. */
    Optional<String> header(String name);

    /**
     * The whole body parsed as JSON into {@code type}, at most the configured JSON size limit.
     * {@code UNSUPPORTED_MEDIA_TYPE} unless the Content-Type is {@code application/json};
     * {@code BAD_REQUEST} on malformed JSON, unknown fields or a missing body.
     */
    <T> T jsonBody(Class<T> type) throws ApiException;

    /** The raw body as a blocking stream with backpressure (see {@code AssetService}). */
    InputStream streamBody();

    /** Upload headers (content type, name, declared length); 400 when a header is unusable. */
    NewContent newContent() throws ApiException;

    /** Short id of this request (echoed as {@code X-Request-Id} and problem {@code instance}). */
    String requestId();

    /** Replaces the caller after a step-up (TOTP verified inside the handler). */
    void upgradeCaller(Caller verified);

    /**
     * Marks this request as an admin reading or changing another account's asset: its audit
     * record says {@code ALLOWED_ADMIN_OVERRIDE} instead of {@code ALLOWED}.
     */
    void adminOverride();
}
