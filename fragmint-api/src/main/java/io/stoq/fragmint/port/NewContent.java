package io.stoq.fragmint.port;

import java.util.OptionalLong;

/**
 * The headers of an upload, known before its first byte arrives.
 *
 * @param contentType media type of the bytes ({@code application/octet-stream} when not given)
 * @param name optional file name (from {@code X-Stoq-Name} or {@code Content-Disposition}), may be null
 * @param declaredLength the {@code Content-Length} when the client sent one; the body stream
 *     then fails with {@link BodyAbortedException} if it ends short
 * @param redundancy the redundancy policy the client asked for ({@code X-Stoq-Redundancy} or the
 *     {@code redundancy} query parameter: {@code replicas:N} or {@code erasure:K+M}), null for
 *     the network's default; the service checks it
 * @param sha256 hex SHA-256 the client says the body has ({@code Content-Digest} or
 *     {@code Repr-Digest: sha-256=:...:}, RFC 9530), null when it said none: the service
 *     compares it with the digest it computed and commits nothing unless they are equal
 *     ({@link ApiError#DIGEST_MISMATCH})
 */
public record NewContent(String contentType, String name, OptionalLong declaredLength, String redundancy, @Nullable String sha256) {
    /** An upload that leaves redundancy to the network's default. */
    public NewContent(String contentType, String name, OptionalLong declaredLength) {
        this(contentType, name, declaredLength, null, null);
    }

    /** An upload without a declared digest. */
    public NewContent(String contentType, String name, OptionalLong declaredLength, String redundancy) {
        this(contentType, name, declaredLength, redundancy, null);
    }
}
