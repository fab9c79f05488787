package io.stoq.fragmint.port;

import java.io.IOException;

/**
 * Thrown by an upload body stream's {@code read} when the body will never complete: the client
 * went away, sent fewer bytes than its Content-Length, or exceeded the size limit. A service that
 * sees it must discard everything it staged for this upload and let it propagate (or rethrow it as
 * is); the HTTP layer turns {@link #reason()} into the response.
 */
public final class BodyAbortedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final ApiError reason;

    public BodyAbortedException(ApiError reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Why the body was aborted ({@link ApiError#TRUNCATED_BODY} or {@link ApiError#PAYLOAD_TOO_LARGE}). */
    public ApiError reason() {
        return reason;
    }
}
