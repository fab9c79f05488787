package io.stoq.net;

import java.io.IOException;
import java.io.OutputStream;

/** Writes a request body; writes block while the peer is slow (QUIC flow control). */
@FunctionalInterface
public interface BodyWriter {
    void writeTo(OutputStream out) throws IOException;
}
