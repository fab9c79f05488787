package io.stoq.net.transport;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.net.AuthenticatedPeer;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetIoException;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.Payloads;
import io.stoq.net.handshake.Hello;
import io.stoq.net.handshake.Proof;
import io.stoq.net.handshake.Role;
import io.stoq.net.handshake.Transcript;
import java.security.PublicKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The client's side of the STOQ handshake, run by the thread that connects (it waits for the
 * connection anyway), on stream 0:
 *
 * <ol>
 *   <li>send HELLO (fresh nonce, own chain);
 *   <li>read the server's HELLO and PROOF; check its chain, revocation, TLS binding (against the
 *       key of this QUIC session) and transcript signature; refuse it with the failing code;
 *   <li>send its own PROOF; wait for AUTH_OK. A server that refuses closes the connection with
 *       its code, which the caller gets as the {@link NetException}'s code.
 * </ol>
 */
final class ClientHandshake {
    private ClientHandshake() {}

    static AuthenticatedPeer run(PeerSession session) throws NetException {
        TransportContext c = session.context();
        Duration timeout = c.config().handshakeTimeout();
        StreamIo io = session.openStream(timeout, timeout);
        try {
            byte[] clientNonce = SecureRandoms.bytes(Hello.NONCE_BYTES);
            io.send(new Hello(Hello.PROTOCOL_VERSION, c.verifier().networkId(), clientNonce, c.identity().chain()).toFrame());
            Hello serverHello;
            Frame frame = expect(io, FrameType.HELLO);
            try {
                serverHello = Hello.parse(frame);
            } finally {
                frame.release();
            }
            byte[] signature;
            frame = expect(io, FrameType.PROOF);
            try {
                signature = Proof.parse(frame);
            } finally {
                frame.release();
            }
            PublicKey serverTls = QuicTls.peerTlsKey(session.channel());
            PublicKey clientTls = QuicTls.localTlsKey(c.identity());
            NodeIdentity identity = c.verifier().checkHello(serverHello, serverTls);
            c.verifier().checkProof(identity, Transcript.of(c.verifier().networkId(), clientTls, serverTls, clientNonce,
                    serverHello.nonce(), Role.SERVER), signature);
            session.peerVerified(identity, serverHello.chain());
            byte[] mine = c.identity().falconKey().sign(Transcript.of(c.verifier().networkId(), clientTls, serverTls, clientNonce,
                    serverHello.nonce(), Role.CLIENT));
            io.send(Proof.toFrame(mine));
            expect(io, FrameType.AUTH_OK).release();
            io.doneReading();
            io.finish();
            session.authenticated();
            return session.peer();
        } catch (NetIoException e) {
            throw remoteRefusal(session, e);
        } catch (NetException e) {
            if (e.code() != NetErrorCode.CLOSED) {
                session.refuse(e.code(), e.getMessage());
            }
            throw e;
        } catch (CryptoException e) {
            session.refuse(NetErrorCode.HANDSHAKE_FAILED, e.getMessage());
            throw new NetException(NetErrorCode.HANDSHAKE_FAILED, "cannot sign the handshake: " + e.getMessage(), e);
        }
    }

    private static Frame expect(StreamIo io, FrameType type) throws NetException, NetIoException {
        Frame frame = io.next();
        if (frame.type() == type) {
            return frame;
        }
        try {
            if (frame.type() == FrameType.ERROR) {
                throw Payloads.parseError(frame);
            }
            throw new NetException(NetErrorCode.HANDSHAKE_FAILED, "expected " + type + " in the handshake, got " + frame.type());
        } finally {
            frame.release();
        }
    }

    /**
     * The stream failed: the server most likely closed the connection with a refusal code. Wait
     * briefly for the close to land, then report the server's code rather than a bare CLOSED.
     */
    private static NetException remoteRefusal(PeerSession session, NetIoException e) {
        if (e.code() == NetErrorCode.TIMEOUT) {
            session.refuse(NetErrorCode.HANDSHAKE_TIMEOUT, "the server did not finish the handshake in time");
            return new NetException(NetErrorCode.HANDSHAKE_TIMEOUT, "the server did not finish the handshake in time", e);
        }
        session.channel().closeFuture().awaitUninterruptibly(1, TimeUnit.SECONDS);
        NetException why = session.closeFailure();
        return why != null ? why : e.toNetException();
    }
}
