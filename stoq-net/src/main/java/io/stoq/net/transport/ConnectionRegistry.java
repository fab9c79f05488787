package io.stoq.net.transport;

import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConfig;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every connection of one transport, with the three limits that bound what peers can make it
 * hold: connections in total ({@link #reserve}), unauthenticated connections per IP address
 * (also {@link #reserve}, released when the handshake ends), and authenticated connections per
 * node ({@link #admit}). Also finds connections by node and address, and closes those of a
 * revoked certificate.
 *
 * <p>Thread-safe: one monitor; no method blocks or calls out while holding it.
 */
public final class ConnectionRegistry {
    private final PeerConfig config;
    private final Set<PeerSession> all = new LinkedHashSet<>();
    private final Map<InetAddress, Integer> handshaking = new HashMap<>();
    private final Map<String, List<PeerSession>> byNode = new HashMap<>();

    public ConnectionRegistry(PeerConfig config) {
        this.config = config;
    }

    /**
     * Takes a slot for a new connection; false (and nothing taken) when a limit is reached. Only
     * connections a peer opens count against its address's handshake limit: the limit bounds what
     * unauthenticated parties make this node hold, and this node's own dials (to a node that may be
     * dead, on the same host or behind the same NAT as live ones) must not use up what it keeps
     * for the live ones' incoming connections.
     */
    public synchronized boolean reserve(PeerSession session) {
        InetAddress address = session.remoteAddress().getAddress();
        int pending = handshaking.getOrDefault(address, 0);
        boolean incoming = !session.isClient();
        if (all.size() >= config.maxConnections() || (incoming && pending >= config.maxHandshakesPerAddress())) {
            return false;
        }
        all.add(session);
        if (incoming) {
            handshaking.put(address, pending + 1);
        }
        return true;
    }

    /** Counts an authenticated connection against its node's limit; refuses past it. */
    public synchronized void admit(PeerSession session, String nodeId) throws NetException {
        if (!all.contains(session)) {
            throw new NetException(NetErrorCode.SHUTDOWN, "the connection closed during its handshake");
        }
        List<PeerSession> sessions = byNode.computeIfAbsent(nodeId, n -> new ArrayList<>());
        if (sessions.size() >= config.maxConnectionsPerPeer()) {
            throw new NetException(NetErrorCode.TOO_MANY_CONNECTIONS, "node " + nodeId + " already has "
                    + sessions.size() + " connections, the most allowed per peer");
        }
        sessions.add(session);
        endHandshake(session);
    }

    /** Forgets a closed connection and frees its slots. */
    public synchronized void release(PeerSession session) {
        if (!all.remove(session)) {
            return;
        }
        if (session.peer() != null && byNode.containsKey(session.peer().nodeId())) {
            List<PeerSession> sessions = byNode.get(session.peer().nodeId());
            if (sessions.remove(session)) {
                if (sessions.isEmpty()) {
                    byNode.remove(session.peer().nodeId());
                }
                return;
            }
        }
        endHandshake(session);
    }

    private void endHandshake(PeerSession session) {
        if (session.isClient()) {
            return; // never counted (see reserve)
        }
        InetAddress address = session.remoteAddress().getAddress();
        handshaking.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
    }

    /** An open, authenticated connection this node made to {@code address}, if any. */
    public synchronized Optional<PeerSession> outgoingTo(InetSocketAddress address) {
        for (PeerSession s : all) {
            if (s.isOpen() && s.isClient() && s.remoteAddress().equals(address)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Open, authenticated connections with node {@code nodeId}, either direction. */
    public synchronized List<PeerSession> forNode(String nodeId) {
        List<PeerSession> out = new ArrayList<>();
        for (PeerSession s : byNode.getOrDefault(nodeId, List.of())) {
            if (s.isOpen()) {
                out.add(s);
            }
        }
        return out;
    }

    public synchronized List<PeerSession> all() {
        return new ArrayList<>(all);
    }

    public synchronized int size() {
        return all.size();
    }

    /** Closes every connection whose peer's chain holds {@code serial}. */
    public void revoked(BigInteger serial) {
        for (PeerSession s : all()) {
            if (s.chainSerials().contains(serial)) {
                s.refuse(NetErrorCode.REVOKED, "the certificate with serial " + serial.toString(16) + " was revoked");
            }
        }
    }
}
