package io.stoq.net;

import java.io.IOException;

/**
 * A coded failure surfacing through a blocking stream ({@link java.io.InputStream} or
 * {@link java.io.OutputStream}) whose methods may only throw {@link IOException}: the peer sent
 * an ERROR frame mid-body, the stream was reset, or it stalled past the request timeout.
 */
public final class NetIoException extends IOException {
    private static final long serialVersionUID = 1L;
    private final NetErrorCode code;

    public NetIoException(NetErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public NetErrorCode code() {
        return code;
    }

    /** The same failure as a {@link NetException}, for callers that declare those. */
    public NetException toNetException() {
        return new NetException(code, getMessage(), this);
    }
}
