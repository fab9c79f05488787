package io.stoq.fragmint.route;

import io.stoq.fragmint.port.AssetContent;
import java.util.Map;

/**
 * What a route handler answers; the HTTP layer renders it for the connection's HTTP version.
 */
public sealed interface Reply permits Reply.Json, Reply.Bytes, Reply.Content, Reply.Empty,
        Reply.WebSocket {

    /** Extra response headers. */
    Map<String, String> headers();

    /** A JSON document ({@code application/json}). */
    record Json(int status, Object body, Map<String, String> headers) implements Reply {
        public Json(int status, Object body) {
            this(status, body, Map.of());
        }
    }

    /** A small in-memory body of any media type (OpenAPI, metrics). */
    record Bytes(int status, String contentType, byte[] body, Map<String, String> headers)
            implements Reply {}

    /**
     * Streamed asset content; the HTTP layer closes {@code content}. Status 200, or 206 with
     * {@code Content-Range} when {@code partial}.
     */
    record Content(AssetContent content, boolean partial, Map<String, String> headers)
            implements Reply {}

    /** No body (204). */
    record Empty(int status, Map<String, String> headers) implements Reply {}

    /** Switch this HTTP/1.1 connection to the ledger-event WebSocket. */
    record WebSocket(long afterSeq, Map<String, String> headers) implements Reply {}
}
