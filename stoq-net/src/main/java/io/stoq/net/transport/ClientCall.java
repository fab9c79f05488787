package io.stoq.net.transport;

import io.stoq.net.BodyWriter;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetIoException;
import io.stoq.net.Reply;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.Payloads;
import java.io.IOException;
import java.io.InputStream;

/**
 * One request from this node on its own stream: REQUEST, the body if any (DATA..., END), FIN;
 * then the RESPONSE head, or the peer's ERROR as a {@link NetException} with the peer's code.
 * Runs on the caller's thread.
 */
final class ClientCall {
    private ClientCall() {}

    static Reply call(PeerSession session, MessageType type, byte[] args, BodyWriter body) throws NetException {
        session.requireOpen();
        StreamIo io = session.openStream(session.context().config().requestTimeout());
        try {
            io.send(Payloads.request(type.code(), body != null, args));
            if (body != null) {
                BodyOutput out = new BodyOutput(io);
                try {
                    body.writeTo(out);
                    out.close();
                } catch (IOException | RuntimeException e) {
                    out.discard();
                    throw e;
                }
            }
            io.finish();
            return readHead(io);
        } catch (NetIoException e) {
            // The peer may have refused mid-upload: its ERROR frame says why better than our broken write.
            throw peerError(io, e);
        } catch (IOException e) {
            io.abort();
            throw new NetException(NetErrorCode.CLOSED, "the request body could not be read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            io.abort();
            throw e;
        }
    }

    private static Reply readHead(StreamIo io) throws NetException, NetIoException {
        Frame frame = io.next();
        try {
            switch (frame.type()) {
                case RESPONSE -> {
                    Payloads.Head head = Payloads.parseResponse(frame);
                    if (!head.hasBody()) {
                        io.doneReading();
                    }
                    return new ClientReply(io, head);
                }
                case ERROR -> {
                    NetException e = Payloads.parseError(frame);
                    io.abort();
                    throw e;
                }
                default -> {
                    io.fail(NetErrorCode.PROTOCOL_VIOLATION, "expected a RESPONSE, got " + frame.type());
                    throw new NetException(NetErrorCode.PROTOCOL_VIOLATION, "the peer answered with a " + frame.type() + " frame");
                }
            }
        } catch (NetException e) {
            io.abort();
            throw e;
        } finally {
            frame.release();
        }
    }

    private static NetException peerError(StreamIo io, NetIoException failure) {
        if (failure.code() == NetErrorCode.CLOSED) {
            Frame frame = io.poll();
            if (frame != null) {
                try {
                    if (frame.type() == FrameType.ERROR) {
                        return Payloads.parseError(frame);
                    }
                } finally {
                    frame.release();
                }
            }
        }
        io.abort();
        return failure.toNetException();
    }

    /** The reply to a call; its body streams from the call's {@link StreamIo}. */
    private static final class ClientReply implements Reply {
        private final StreamIo io;
        private final Payloads.Head head;
        private final BodyInput body;

        ClientReply(StreamIo io, Payloads.Head head) {
            this.io = io;
            this.head = head;
            this.body = head.hasBody() ? new BodyInput(io, Long.MAX_VALUE) : null;
        }

        @Override
        public byte[] meta() {
            return head.bytes().clone();
        }

        @Override
        public boolean hasBody() {
            return body != null;
        }

        @Override
        public InputStream body() {
            return body != null ? body : InputStream.nullInputStream();
        }

        @Override
        public void close() {
            if (body != null) {
                body.close();
            }
        }
    }
}
