package io.stoq.fragmint.http;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The empty end-of-message marker that Netty's HTTP/1.1 decoder still emits after a request whose
 * headers declared no body. The REST and S3 handlers end such a body at the request's head, so
 * that whether the connection stays open does not depend on whether a worker or the marker comes
 * first; this drops the marker when it arrives.
 *
 * <p>Owned by the connection's event loop, like the handler that holds it.
 */
public final class NoBodyTrailer {
    private boolean due;

    /** The request just started declared no body: its decoder marker is still to come. */
    public void expect() {
        due = true;
    }

    /** A marker is still to come. */
    public boolean isDue() {
        return due;
    }

    /**
     * True (and releases {@code msg}) when {@code msg} is the marker that was due. Either way none
     * is due afterwards: only the very next message can be it.
     */
    public boolean swallow(Object msg) {
        if (!due) {
            return false;
        }
        due = false;
        if (msg instanceof LastHttpContent && !(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
            return true;
        }
        return false;
    }
}
