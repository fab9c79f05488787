package io.stoq.fragmint.port;

import java.util.OptionalLong;

/**
 * The headers of an upload, known before its first byte arrives.
 *
 * @param contentType media type of the bytes ({@code application/octet-stream} when not given)
 * @param name optional file name (from {@code X-Stoq-Name} or {@code Content-Disposition}), may be null
 * @param declaredLength the {@code Content-Length} when the client sent one; the body stream
 *     then fails with {@link BodyAbortedException} if it ends short
 */
public record NewContent(String contentType, String name, OptionalLong declaredLength) {}
