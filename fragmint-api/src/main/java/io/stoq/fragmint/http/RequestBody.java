package io.stoq.fragmint.http;

import io.netty.buffer.ByteBuf;
import io.stoq.fragmint.port.ApiError;
import java.io.InputStream;

/**
 * One request body of a facade outside this package (the S3 gateway), carried by the same
 * {@link BodyPipe} as the REST routes' bodies: bounded memory with backpressure, the stall
 * timeout and the minimum upload rate. Made by {@link ListenerGuards#body}; the event loop feeds
 * it ({@link #offer}, {@link #end}, {@link #abort}), one worker reads {@link #stream()}.
 *
 * <p>Thread-safety: that of {@link BodyPipe} (all state under its lock).
 */
public final class RequestBody {
    private final BodyPipe pipe;
    private final InputStream stream;

    RequestBody(BodyPipe pipe) {
        this.pipe = pipe;
        this.stream = pipe.stream();
    }

    /** Takes ownership of {@code buf}; true when the caller should stop reading the socket until resumed. */
    public boolean offer(ByteBuf buf) {
        return pipe.offer(buf);
    }

    /**
     * The event loop finished a read batch: wakes the reader for what it queued (the pipe holds
     * small pieces back until then, to save a wake-up per packet). Call it from
     * {@code channelReadComplete}.
     */
    public void readComplete() {
        pipe.readComplete();
    }

    /** The last byte arrived (fails the body instead when fewer came than Content-Length declared). */
    public void end() {
        pipe.end();
    }

    /** The body will never complete (the client went away); a waiting reader fails. */
    public void abort(String why) {
        pipe.abort(ApiError.TRUNCATED_BODY, why);
    }

    /** The exchange is over: releases whatever is still queued; later reads fail. */
    public void discard() {
        pipe.discard();
    }

    /** The body as the worker reads it; reads fail with {@link io.stoq.fragmint.port.BodyAbortedException}. */
    public InputStream stream() {
        return stream;
    }

    /** True once the whole body arrived and was read, without failure: the connection may carry the next request. */
    public boolean drained() {
        try {
            return pipe.isComplete() && pipe.failure() == null && stream.available() == 0;
        } catch (java.io.IOException e) {
            return false; // the pipe's stream never throws here; a failed body is not drained
        }
    }
}
