package io.stoq.net;

import java.io.InputStream;

/**
 * The answer to a call: the responder's metadata and, if it sent one, a streamed body. Close it
 * when done; closing before the body's end abandons the stream (the peer stops sending).
 */
public interface Reply extends AutoCloseable {
    byte[] meta();

    boolean hasBody();

    /**
     * The body, read as it arrives (empty when there is none). An ERROR from the peer mid-body
     * surfaces as a {@link NetIoException} with the peer's code.
     */
    InputStream body();

    @Override
    void close();
}
