package io.stoq.net.frame;

import io.stoq.net.NetErrorCode;

/**
 * What the decoder emits instead of a frame when the bytes on a stream break the frame rules:
 * the stream's handler answers with an ERROR frame carrying {@code code} and closes the stream.
 * The decoder discards everything after it.
 */
public record FrameViolation(NetErrorCode code, String message) {}
