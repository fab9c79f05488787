package io.stoq.fragmint.port;

/**
 * Every way an API call can fail, each bound once to its HTTP status, its RFC 9457 problem type
 * slug and its CLI exit code. The HTTP layer never classifies failures by message text: it reads
 * this enum. Exit codes use 50..68 (crypto has 10s, shard 20s, ledger 30s, node 40s) and 70 for
 * "not the caller's fault".
 */
public enum ApiError {
    /** The request could not be parsed: malformed JSON, bad query parameter, bad id syntax. */
    BAD_REQUEST(400, "bad-request", "Bad request", 50),
    /** The Range header could not be satisfied or parsed. */
    RANGE_NOT_SATISFIABLE(416, "range-not-satisfiable", "Range not satisfiable", 51),
    /** No credential, or an unknown, revoked or expired one. */
    UNAUTHENTICATED(401, "unauthenticated", "Authentication required", 52),
    /** The route needs a fresh TOTP second factor and none (or a wrong one) was given. */
    TOTP_REQUIRED(401, "totp-required", "Second factor (TOTP) required", 53),
    /** The caller is known but its role lacks the permission, or it does not own the asset. */
    FORBIDDEN(403, "forbidden", "Forbidden", 54),
    /** The asset, version, account, key, node or block does not exist (or is deleted). */
    NOT_FOUND(404, "not-found", "Not found", 55),
    /** No route has this method for this path. */
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed", 56),
    /** The state changed under the caller: a version precondition failed, an id already exists. */
    CONFLICT(409, "conflict", "Conflict", 57),
    /** An {@code If-Match} version precondition did not hold: someone else updated first. */
    PRECONDITION_FAILED(412, "precondition-failed", "Precondition failed", 58),
    /** The body exceeded the configured limit. */
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Payload too large", 59),
    /** The body's Content-Type is not one the route accepts. */
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type", 60),
    /** The body ended before its declared length, or the client went away mid-body. */
    TRUNCATED_BODY(400, "truncated-body", "Truncated request body", 61),
    /** Well-formed but violates a rule: negative amount, transfer to self, unknown role name. */
    UNPROCESSABLE(422, "unprocessable", "Unprocessable request", 62),
    /** The caller exceeded its request rate. */
    RATE_LIMITED(429, "rate-limited", "Too many requests", 63),
    /** The node cannot serve right now (not ready, not enough replicas, shutting down). */
    UNAVAILABLE(503, "unavailable", "Service unavailable", 64),
    /** The request line (method, path and query) is longer than the server reads. */
    URI_TOO_LONG(414, "uri-too-long", "URI too long", 65),
    /** The request's header block (or one header line) is larger than the server reads. */
    HEADERS_TOO_LARGE(431, "headers-too-large", "Request header fields too large", 66),
    /**
     * The node serving the read cannot decrypt this version: it holds no share of the key epoch
     * the version's key is wrapped to, or the wrap does not open (damaged or forged). Another
     * node of the network may serve it; nothing about the asset changed.
     */
    KEY_UNAVAILABLE(503, "key-unavailable", "Asset key unavailable on this node", 67),
    /**
     * The body's digest is not the one the client declared ({@code Content-Digest}), or a
     * download's is not the version's: the bytes changed on the way, and nothing was stored.
     */
    DIGEST_MISMATCH(400, "digest-mismatch", "Content digest mismatch", 68),
    /** A bug or an unexpected failure inside the node; details are logged, never sent. */
    INTERNAL(500, "internal", "Internal error", 70);

    /** Base URI of problem types; the slug is appended. */
    public static final String TYPE_BASE = "https://stoq.io/problems/";

    private final int status;
    private final String slug;
    private final String title;
    private final int exitCode;

    ApiError(int status, String slug, String title, int exitCode) {
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.exitCode = exitCode;
    }

    /** HTTP status code sent with this error. */
    public int status() {
        return status;
    }

    /** RFC 9457 {@code type} URI. */
    public String type() {
        return TYPE_BASE + slug;
    }

    /** Short, fixed human summary (RFC 9457 {@code title}). */
    public String title() {
        return title;
    }

    /** Process exit code when a CLI client reports this failure. */
    public int exitCode() {
        return exitCode;
    }
}
