package io.stoq.net.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.SecureRandoms;
import io.stoq.net.LeakGuard;
import io.stoq.net.LocalIdentity;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetFixture;
import io.stoq.net.PeerConfig;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.Payloads;
import io.stoq.net.handshake.Hello;
import io.stoq.net.handshake.Proof;
import io.stoq.net.handshake.Role;
import io.stoq.net.handshake.Transcript;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handshake driven frame by frame from the client side, as an attacker would: a transcript
 * signature recorded in one session and replayed in the next is refused, a request on another
 * stream before the handshake is refused on that stream, and a client that never finishes is cut
 * off at the handshake timeout.
 */
@ExtendWith(LeakGuard.class)
class RawHandshakeTest {
    @TempDir
    Path dir;
    NetFixture net;
    StoqTransport server;
    StoqTransport client;
    LocalIdentity clientIdentity;

    @BeforeEach
    void setUp() throws Exception {
        net = new NetFixture(dir, "main");
        PeerConfig serverConfig = NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(5));
        server = StoqTransport.builder(serverConfig, net.identity(net.issue("node-a"))).start();
        clientIdentity = net.identity(net.issue("node-b"));
        PeerConfig clientConfig = NetFixture.CONFIG.withTimeouts(Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(5));
        client = StoqTransport.builder(clientConfig, clientIdentity).start();
    }

    @AfterEach
    void tearDown() {
        client.close();
        server.close();
    }

    /** What one honest handshake run by hand leaves behind: the client's nonce and proof. */
    private record Recorded(byte[] clientNonce, Frame proof) {}

    private Recorded honestHandshake(PeerSession session) throws Exception {
        StreamIo io = session.openStream(Duration.ofSeconds(5), Duration.ofSeconds(5));
        byte[] nonce = SecureRandoms.bytes(Hello.NONCE_BYTES);
        io.send(new Hello(1, net.networkId, nonce, clientIdentity.chain()).toFrame());
        Hello serverHello = helloOf(expect(io, FrameType.HELLO));
        expect(io, FrameType.PROOF).release();
        PublicKey serverTls = QuicTls.peerTlsKey(session.channel());
        byte[] signature = clientIdentity.falconKey().sign(Transcript.of(net.networkId, QuicTls.localTlsKey(clientIdentity),
                serverTls, nonce, serverHello.nonce(), Role.CLIENT));
        io.send(Proof.toFrame(signature));
        expect(io, FrameType.AUTH_OK).release();
        return new Recorded(nonce, Proof.toFrame(signature));
    }

    private static Hello helloOf(Frame f) throws NetException {
        try {
            return Hello.parse(f);
        } finally {
            f.release();
        }
    }

    private static Frame expect(StreamIo io, FrameType type) throws Exception {
        Frame f = io.next();
        assertThat(f.type()).isEqualTo(type);
        return f;
    }

    @Test
    void aTranscriptSignatureReplayedAgainstFreshNoncesIsRefused() throws Exception {
        PeerSession first = client.quicConnect(server.localAddress());
        Recorded recorded = honestHandshake(first);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.connections().size() == 1);

        // Same client, same TLS key, same HELLO; the server picks a fresh nonce, the old proof cannot cover it.
        PeerSession second = client.quicConnect(server.localAddress());
        StreamIo io = second.openStream(Duration.ofSeconds(5), Duration.ofSeconds(5));
        io.send(new Hello(1, net.networkId, recorded.clientNonce(), clientIdentity.chain()).toFrame());
        helloOf(expect(io, FrameType.HELLO));
        expect(io, FrameType.PROOF).release();
        io.send(recorded.proof());
        second.channel().closeFuture().await(5, TimeUnit.SECONDS);
        assertThat(second.closeFailure()).isNotNull();
        assertThat(second.closeFailure().code()).isEqualTo(NetErrorCode.BAD_SIGNATURE);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().snapshot().refused(NetErrorCode.BAD_SIGNATURE) == 1);
        assertThat(server.connections()).hasSize(1);
    }

    @Test
    void aRequestOnAnotherStreamBeforeTheHandshakeIsRefusedOnThatStream() throws Exception {
        PeerSession session = client.quicConnect(server.localAddress());
        StreamIo auth = session.openStream(Duration.ofSeconds(5), Duration.ofSeconds(5));
        byte[] nonce = SecureRandoms.bytes(Hello.NONCE_BYTES);
        auth.send(new Hello(1, net.networkId, nonce, clientIdentity.chain()).toFrame());

        StreamIo early = session.openStream(Duration.ofSeconds(5), Duration.ofSeconds(5));
        early.send(Payloads.request(MessageType.PING.code(), false, new byte[] {7}));
        Frame answer = early.next();
        try {
            assertThat(answer.type()).isEqualTo(FrameType.ERROR);
            assertThat(Payloads.parseError(answer).code()).isEqualTo(NetErrorCode.UNAUTHENTICATED);
        } finally {
            answer.release();
        }
        assertThat(server.metrics().snapshot().streamErrors(NetErrorCode.UNAUTHENTICATED)).isEqualTo(1);

        // The connection itself is unharmed: the handshake completes on stream 0.
        Hello serverHello = helloOf(expect(auth, FrameType.HELLO));
        expect(auth, FrameType.PROOF).release();
        auth.send(Proof.toFrame(clientIdentity.falconKey().sign(Transcript.of(net.networkId, QuicTls.localTlsKey(clientIdentity),
                QuicTls.peerTlsKey(session.channel()), nonce, serverHello.nonce(), Role.CLIENT))));
        expect(auth, FrameType.AUTH_OK).release();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.connections().size() == 1);
    }

    @Test
    void aClientThatNeverFinishesIsCutOffAtTheHandshakeTimeout() throws Exception {
        PeerSession session = client.quicConnect(server.localAddress());
        assertThat(session.channel().closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(session.closeFailure().code()).isEqualTo(NetErrorCode.HANDSHAKE_TIMEOUT);
        assertThat(server.metrics().snapshot().refused(NetErrorCode.HANDSHAKE_TIMEOUT)).isEqualTo(1);
        assertThat(server.connectionCount()).isZero();
    }

    @Test
    void aHelloWithGarbageForCertificatesEndsTheHandshakeNotTheNode() throws Exception {
        PeerSession session = client.quicConnect(server.localAddress());
        StreamIo stream = session.openStream(Duration.ofSeconds(5), Duration.ofSeconds(5));
        byte[] garbage = new byte[1 + 32 + 32 + 1 + 2 + 300];
        new java.util.Random(3).nextBytes(garbage);
        garbage[0] = 1;
        garbage[65] = 1;
        garbage[66] = 1;
        garbage[67] = 44; // one "certificate" of 300 random bytes
        stream.send(new Frame(FrameType.HELLO, io.netty.buffer.Unpooled.wrappedBuffer(garbage)));
        assertThat(session.channel().closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(session.closeFailure().code()).isIn(NetErrorCode.HANDSHAKE_FAILED, NetErrorCode.WRONG_NETWORK);
        // The node still admits a good peer.
        assertThat(client.dial(server.localAddress()).isOpen()).isTrue();
    }
}
