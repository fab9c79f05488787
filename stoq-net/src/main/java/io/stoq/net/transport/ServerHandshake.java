package io.stoq.net.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.FrameViolation;
import io.stoq.net.handshake.Hello;
import io.stoq.net.handshake.Proof;
import io.stoq.net.handshake.Role;
import io.stoq.net.handshake.Transcript;
import java.security.PublicKey;
import java.util.concurrent.RejectedExecutionException;

/**
 * The server's side of the STOQ handshake on stream 0, driven by frames on the event loop; the
 * chain checks and Falcon signatures run on the crypto pool, so a slow or silent client holds no
 * thread (the connection's handshake timeout ends it).
 *
 * <pre>
 *   AWAIT_HELLO --HELLO--> CHECKING_HELLO --(chain, revocation, TLS binding ok; signed)-->
 *   AWAIT_PROOF --PROOF--> CHECKING_PROOF --(signature ok, admitted)--> DONE (AUTH_OK sent)
 *   any other frame, or a failed check: the connection is closed with the reason's code
 * </pre>
 *
 * <p>State is touched on the event loop only; crypto results are posted back to it.
 */
final class ServerHandshake extends ChannelInboundHandlerAdapter {
    private enum Step { AWAIT_HELLO, CHECKING_HELLO, AWAIT_PROOF, CHECKING_PROOF, DONE }

    private final PeerSession session;
    private Step step = Step.AWAIT_HELLO;
    private Hello hello;
    private NodeIdentity identity;
    private PublicKey clientTls;
    private byte[] serverNonce;

    ServerHandshake(PeerSession session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FrameViolation v) {
                throw new NetException(NetErrorCode.HANDSHAKE_FAILED, "malformed handshake frame: " + v.message());
            }
            Frame frame = (Frame) msg;
            if (step == Step.AWAIT_HELLO && frame.type() == FrameType.HELLO) {
                hello = Hello.parse(frame);
                step = Step.CHECKING_HELLO;
                offload(ctx, () -> checkHelloAndSign(ctx));
            } else if (step == Step.AWAIT_PROOF && frame.type() == FrameType.PROOF) {
                byte[] signature = Proof.parse(frame);
                step = Step.CHECKING_PROOF;
                offload(ctx, () -> checkProof(ctx, signature));
            } else {
                throw new NetException(NetErrorCode.HANDSHAKE_FAILED, "a " + frame.type() + " frame is out of place in step " + step);
            }
        } catch (NetException e) {
            session.refuse(e.code(), e.getMessage());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private interface Work {
        Runnable run() throws NetException, CryptoException;
    }

    /** Runs {@code work} on the crypto pool and its continuation back on the event loop. */
    private void offload(ChannelHandlerContext ctx, Work work) {
        try {
            session.context().crypto().execute(() -> {
                Runnable then;
                try {
                    then = work.run();
                } catch (NetException e) {
                    then = () -> session.refuse(e.code(), e.getMessage());
                } catch (CryptoException | RuntimeException e) {
                    then = () -> session.refuse(NetErrorCode.HANDSHAKE_FAILED, "handshake failed: " + e.getMessage());
                }
                ctx.executor().execute(then);
            });
        } catch (RejectedExecutionException e) {
            session.refuse(NetErrorCode.TOO_MANY_CONNECTIONS, "too many handshakes in progress");
        }
    }

    private Runnable checkHelloAndSign(ChannelHandlerContext ctx) throws NetException, CryptoException {
        TransportContext c = session.context();
        clientTls = QuicTls.peerTlsKey(session.channel());
        identity = c.verifier().checkHello(hello, clientTls);
        serverNonce = SecureRandoms.bytes(Hello.NONCE_BYTES);
        byte[] transcript = Transcript.of(c.verifier().networkId(), clientTls, QuicTls.localTlsKey(c.identity()), hello.nonce(),
                serverNonce, Role.SERVER);
        byte[] signature = c.identity().falconKey().sign(transcript);
        Hello mine = new Hello(Hello.PROTOCOL_VERSION, c.verifier().networkId(), serverNonce, c.identity().chain());
        Frame helloFrame = mine.toFrame();
        return () -> {
            step = Step.AWAIT_PROOF;
            ctx.write(helloFrame);
            ctx.writeAndFlush(Proof.toFrame(signature));
        };
    }

    private Runnable checkProof(ChannelHandlerContext ctx, byte[] signature) throws NetException {
        TransportContext c = session.context();
        byte[] transcript = Transcript.of(c.verifier().networkId(), clientTls, QuicTls.localTlsKey(c.identity()), hello.nonce(),
                serverNonce, Role.CLIENT);
        c.verifier().checkProof(identity, transcript, signature);
        return () -> {
            try {
                session.peerVerified(identity, hello.chain());
                session.authenticated();
                step = Step.DONE;
                ctx.writeAndFlush(Frame.empty(FrameType.AUTH_OK)).addListener(f -> ((QuicStreamChannel) ctx.channel()).shutdownOutput());
            } catch (NetException e) {
                session.refuse(e.code(), e.getMessage());
            }
        };
    }
}
