package io.stoq.net;

import java.io.IOException;
import java.io.OutputStream;

/** How a handler answers; exactly one of the two methods, once. */
public interface Responder {
    /** Answers with metadata only. */
    void reply(byte[] meta) throws IOException;

    /**
     * Answers with metadata and a streamed body: write the body to the returned stream (writes
     * block while the peer is slow: QUIC flow control) and close it to end the body.
     */
    OutputStream replyStreaming(byte[] meta) throws IOException;
}
