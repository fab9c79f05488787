package io.stoq.net.transport;

import io.stoq.net.AuthenticatedPeer;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetIoException;
import io.stoq.net.PeerRequest;
import io.stoq.net.Responder;
import io.stoq.net.frame.Payloads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request being served on a worker thread: the handler's view of the request
 * ({@link PeerRequest}) and its way to answer ({@link Responder}). After the handler returns, a
 * streamed answer it left open is ended, and the stream is finished; a failure becomes an ERROR
 * frame with its code (INTERNAL for anything uncoded, whose detail stays in this node's log).
 */
final class ServerExchange implements Runnable, PeerRequest, Responder {
    private static final Logger LOG = LoggerFactory.getLogger(ServerExchange.class);

    private final PeerSession session;
    private final StreamIo io;
    private final TransportContext.Registration registration;
    private final Payloads.Head head;
    private final BodyInput body;
    private BodyOutput out;
    private boolean replied;

    ServerExchange(PeerSession session, StreamIo io, TransportContext.Registration registration, Payloads.Head head) {
        this.session = session;
        this.io = io;
        this.registration = registration;
        this.head = head;
        this.body = head.hasBody() ? new BodyInput(io, Long.MAX_VALUE) : null;
    }

    @Override
    public void run() {
        try {
            registration.handler().handle(this, this);
            if (!replied) {
                throw new NetException(NetErrorCode.INTERNAL, "the " + registration.type().name() + " handler gave no answer");
            }
            if (out != null) {
                out.close();
            }
            if (body != null) {
                body.release();
            }
            io.doneReading();
            io.finish();
        } catch (NetException e) {
            failWith(e.code(), e.getMessage());
        } catch (NetIoException e) {
            failWith(e.code(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} handler failed for {}", registration.type(), session.describe(), e);
            failWith(NetErrorCode.INTERNAL, "the " + registration.type().name() + " handler failed");
        }
    }

    /**
     * Sends the ERROR (which then ends the stream) before anything else touches the stream: an
     * abandoned request body must not reset the stream ahead of the frame that says why.
     */
    private void failWith(NetErrorCode code, String message) {
        io.fail(code, message);
        if (out != null) {
            out.discard();
        }
        if (body != null) {
            body.release();
        }
    }

    @Override
    public AuthenticatedPeer peer() {
        return session.peer();
    }

    @Override
    public MessageType type() {
        return registration.type();
    }

    @Override
    public byte[] args() {
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
    public void reply(byte[] meta) throws IOException {
        answer(false, meta);
    }

    @Override
    public OutputStream replyStreaming(byte[] meta) throws IOException {
        answer(true, meta);
        out = new BodyOutput(io);
        return out;
    }

    private void answer(boolean streaming, byte[] meta) throws IOException {
        if (replied) {
            throw new IllegalStateException("the " + registration.type().name() + " handler answered twice");
        }
        replied = true;
        io.send(Payloads.response(streaming, meta));
    }
}
