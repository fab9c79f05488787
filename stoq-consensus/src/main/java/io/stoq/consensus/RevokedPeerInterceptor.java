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
import java.util.function.Function;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.grpc.AdminProtocolServiceGrpc;
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
 * <p>It also binds the TLS identity to the Raft one: a server-to-server message (append entries,
 * vote, snapshot install, leader election, read index) must name as its requestor the node its
 * certificate proves. Without this, any certified member could speak Raft as another member
 * (votes, heartbeats in its name): it could not forge a block, which needs the leader's Falcon
 * signature, but it could disturb elections and replication.
 *
 * <p>Admin calls (set configuration, transfer leadership, group and snapshot management) are
 * served only to the current members of the group (voters and listeners, as this server's own
 * configuration lists them): the CA admits a node to the network, but only the group's members
 * may change the group. Without this a certified node that was never added, or one removed
 * since, could ask the leader to drop voters. Client calls (submits) stay open to every
 * certified node: what they carry is signed txs, validated like any other.
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

    /**
     * A TLS session's peer: the TLS certificate's subject (for logs), the node its Falcon chain
     * proves (null when that cannot be read: its server messages are then refused) and the serials
     * of its chain.
     */
    private record Peer(String name, String nodeId, List<BigInteger> serials) {}

    private final Function<X509Certificate, String> nodeIdOf;
    private final Predicate<String> isMember;

    /**
     * @param nodeIdOf the node a TLS certificate's Falcon chain proves (the trust check the
     *     handshake already passed), or null when it cannot be read
     * @param isMember whether a node id is in the group's configuration now (voter or listener)
     */
    RevokedPeerInterceptor(RevocationSource revocations, RaftRefusals refusals, Function<X509Certificate, String> nodeIdOf,
            Predicate<String> isMember) {
        this.revocations = revocations;
        this.refusals = refusals;
        this.nodeIdOf = nodeIdOf;
        this.isMember = isMember;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        Peer peer = peerOf(session);
        if (revoked(peer)) {
            refuse(call, peer);
            return new ServerCall.Listener<>() { };
        }
        if (peer != null && isAdmin(call) && (peer.nodeId() == null || !isMember.test(peer.nodeId()))) {
            notMember(call, peer);
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
                String claimed = requestorOf(message);
                if (claimed != null && peer != null && !claimed.equals(peer.nodeId())) {
                    closed = true;
                    impostor(call, peer, claimed);
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

    private static boolean isAdmin(ServerCall<?, ?> call) {
        return AdminProtocolServiceGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName());
    }

    private void notMember(ServerCall<?, ?> call, Peer peer) {
        String why = (peer.nodeId() == null ? "an unreadable node" : "node " + peer.nodeId()) + " is not a member of the Raft group; its admin call "
                + call.getMethodDescriptor().getBareMethodName() + " is refused";
        refusals.refused(NetErrorCode.REFUSED, why);
        call.close(Status.PERMISSION_DENIED.withDescription("REFUSED: " + why), new Metadata());
    }

    private void impostor(ServerCall<?, ?> call, Peer peer, String claimed) {
        String why = "a Raft peer proven to be " + (peer.nodeId() == null ? "an unreadable node" : "node " + peer.nodeId())
                + " sent " + call.getMethodDescriptor().getBareMethodName() + " in the name of node " + claimed;
        refusals.refused(NetErrorCode.BAD_SIGNATURE, why);
        call.close(Status.PERMISSION_DENIED.withDescription("BAD_SIGNATURE: " + why), new Metadata());
    }

    /** The requestor a Raft server-to-server message names, or null for other messages (client requests carry client ids). */
    static String requestorOf(Object message) {
        RaftRpcRequestProto r = null;
        if (message instanceof AppendEntriesRequestProto m) {
            r = m.getServerRequest();
        } else if (message instanceof RequestVoteRequestProto m) {
            r = m.getServerRequest();
        } else if (message instanceof InstallSnapshotRequestProto m) {
            r = m.getServerRequest();
        } else if (message instanceof StartLeaderElectionRequestProto m) {
            r = m.getServerRequest();
        } else if (message instanceof ReadIndexRequestProto m) {
            r = m.getServerRequest();
        }
        return r == null ? null : r.getRequestorId().toStringUtf8();
    }

    private Peer peerOf(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] presented = session.getPeerCertificates();
            if (presented.length > 0 && presented[0] instanceof X509Certificate tls) {
                return peers.computeIfAbsent(tls, this::parse);
            }
        } catch (SSLPeerUnverifiedException e) {
            // The handshake admitted it, so this does not happen; nothing to check then.
        }
        return null;
    }

    private Peer parse(X509Certificate tls) {
        List<BigInteger> serials = new ArrayList<>();
        try {
            for (X509Certificate c : RaftTls.falconChain(tls)) {
                serials.add(c.getSerialNumber());
            }
        } catch (CertificateException e) {
            // The trust manager read this chain at the handshake; unreadable now means nothing to look up.
        }
        return new Peer(tls.getSubjectX500Principal().getName(), nodeIdOf.apply(tls), List.copyOf(serials));
    }
}
