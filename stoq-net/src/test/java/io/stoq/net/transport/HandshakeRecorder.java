package io.stoq.net.transport;

import io.stoq.crypto.SecureRandoms;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.handshake.Hello;
import io.stoq.net.handshake.Proof;
import io.stoq.net.handshake.Role;
import io.stoq.net.handshake.Transcript;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A STOQ client that runs the handshake frame by frame, for tests on real nodes (stoq-node's
 * cluster tests use it through stoq-net's test-jar): {@link #record} runs one honest handshake
 * and keeps what crossed the wire from the client (its HELLO nonce and its PROOF signature), and
 * {@link #replay} plays those bytes back on a new QUIC connection, as an attacker that recorded
 * them (and holds the node's TLS key, so the TLS-key binding passes) would. Nothing here touches
 * the verifier: the server under test is a real transport and judges the bytes itself.
 */
public final class HandshakeRecorder {
    private static final Duration STEP = Duration.ofSeconds(10);

    private HandshakeRecorder() {}

    /** What an honest client sent that an attacker could keep: its nonce and the transcript signature. */
    public record Recording(byte[] clientNonce, byte[] signature) {}

    /**
     * One honest handshake of {@code client}'s identity with {@code server}, frame by frame, then
     * the connection is closed. Fails if the server does not answer AUTH_OK.
     */
    public static Recording record(StoqTransport client, InetSocketAddress server) throws Exception {
        PeerSession session = client.quicConnect(server);
        try {
            TransportContext c = session.context();
            StreamIo io = session.openStream(STEP, STEP);
            byte[] nonce = SecureRandoms.bytes(Hello.NONCE_BYTES);
            io.send(new Hello(Hello.PROTOCOL_VERSION, c.verifier().networkId(), nonce, c.identity().chain()).toFrame());
            Hello serverHello = hello(expect(io, FrameType.HELLO));
            expect(io, FrameType.PROOF).release();
            byte[] signature = c.identity().falconKey().sign(Transcript.of(c.verifier().networkId(), QuicTls.localTlsKey(c.identity()),
                    QuicTls.peerTlsKey(session.channel()), nonce, serverHello.nonce(), Role.CLIENT));
            io.send(Proof.toFrame(signature));
            expect(io, FrameType.AUTH_OK).release();
            return new Recording(nonce, signature);
        } finally {
            session.close();
        }
    }

    /**
     * Plays {@code recording} back to {@code server} on a new QUIC connection of {@code client}
     * (whose TLS key should be the recorded node's): the recorded nonce and {@code chain} in the
     * HELLO, the recorded signature as the PROOF, whatever nonce the server picks. Returns the
     * code the server closed the connection with, or null if it admitted the replay (AUTH_OK).
     */
    public static NetErrorCode replay(StoqTransport client, List<X509Certificate> chain, Recording recording, InetSocketAddress server)
            throws Exception {
        PeerSession session = client.quicConnect(server);
        try {
            TransportContext c = session.context();
            StreamIo io = session.openStream(STEP, STEP);
            io.send(new Hello(Hello.PROTOCOL_VERSION, c.verifier().networkId(), recording.clientNonce(), chain).toFrame());
            Frame first = io.next();
            if (first.type() == FrameType.HELLO) {
                first.release();
                expect(io, FrameType.PROOF).release();
                io.send(Proof.toFrame(recording.signature()));
                try {
                    Frame last = io.next();
                    boolean admitted = last.type() == FrameType.AUTH_OK;
                    last.release();
                    if (admitted) {
                        return null;
                    }
                } catch (Exception closed) {
                    // the server refused: its close code says why
                }
            } else {
                first.release();
            }
            session.channel().closeFuture().await(STEP.toMillis(), TimeUnit.MILLISECONDS);
            NetException why = session.closeFailure();
            return why == null ? NetErrorCode.CLOSED : why.code();
        } finally {
            session.close();
        }
    }

    private static Hello hello(Frame f) throws NetException {
        try {
            return Hello.parse(f);
        } finally {
            f.release();
        }
    }

    private static Frame expect(StreamIo io, FrameType type) throws Exception {
        Frame f = io.next();
        if (f.type() != type) {
            f.release();
            throw new IllegalStateException("expected " + type + " in the handshake, got " + f.type());
        }
        return f;
    }
}
