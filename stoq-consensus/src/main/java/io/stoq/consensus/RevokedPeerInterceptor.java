package io.stoq.consensus;

import io.stoq.net.NetErrorCode;
import io.stoq.net.RevocationSource;
import java.math.BigInteger;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Refuses every Raft gRPC call, and every further message of a call already open (Ratis's
 * append-entries and client streams live as long as the connection), from a peer whose node
 * certificate or intermediate has been revoked since its TLS handshake. The handshake verified
 * the chain; here only its serials are looked up, so the per-message cost is a set lookup.
 *
 * <p>Thread-safe: the serials of each peer's TLS certificate are parsed once and kept in a
 * bounded map.
 */
final class RevokedPeerInterceptor implements ServerInterceptor {
    private final RevocationSource revocations;
    private final RaftRefusals refusals;
    /**
     * Peers by the TLS certificate they presented (each node process makes its own), at most
     * {@link #MAX_PEERS} (least recently used dropped). Not by SSLSession: BoringSSL sessions
     * without ids compare equal to each other.
     */
    private final Map<X509Certificate, Peer> peers = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<X509Certificate, Peer> eldest) {
            return size() > MAX_PEERS;
        }
    });
    private static final int MAX_PEERS = 1024;

    /** A TLS session's peer: its node id (from the node certificate's subject, for logs) and the serials of its chain. */
    private record Peer(String name, List<BigInteger> serials) {}

    RevokedPeerInterceptor(RevocationSource revocations, RaftRefusals refusals) {
        this.revocations = revocations;
        this.refusals = refusals;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        Peer peer = peerOf(session);
        if (revoked(peer)) {
            refuse(call, peer);
            return new ServerCall.Listener<>() { };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean closed;

            @Override
            public void onMessage(Q message) {
                if (closed) {
                    return;
                }
                if (revoked(peer)) {
                    closed = true;
                    refuse(call, peer);
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!closed) {
                    super.onHalfClose();
                }
            }
        };
    }

    private boolean revoked(Peer peer) {
        if (peer == null) {
            return false; // no TLS session: a server without TLS, where the trust manager never ran either
        }
        for (BigInteger serial : peer.serials()) {
            if (revocations.isRevoked(serial)) {
                return true;
            }
        }
        return false;
    }

    private void refuse(ServerCall<?, ?> call, Peer peer) {
        String why = "node " + peer.name() + " is revoked; its Raft call " + call.getMethodDescriptor().getBareMethodName() + " is refused";
        refusals.refused(NetErrorCode.REVOKED, why);
        call.close(Status.PERMISSION_DENIED.withDescription("REVOKED: " + why), new Metadata());
    }

    private Peer peerOf(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] presented = session.getPeerCertificates();
            if (presented.length > 0 && presented[0] instanceof X509Certificate tls) {
                return peers.computeIfAbsent(tls, RevokedPeerInterceptor::parse);
            }
        } catch (SSLPeerUnverifiedException e) {
            // The handshake admitted it, so this does not happen; nothing to check then.
        }
        return null;
    }

    private static Peer parse(X509Certificate tls) {
        List<BigInteger> serials = new ArrayList<>();
        try {
            for (X509Certificate c : RaftTls.falconChain(tls)) {
                serials.add(c.getSerialNumber());
            }
        } catch (CertificateException e) {
            // The trust manager read this chain at the handshake; unreadable now means nothing to look up.
        }
        return new Peer(tls.getSubjectX500Principal().getName(), List.copyOf(serials));
    }
}
