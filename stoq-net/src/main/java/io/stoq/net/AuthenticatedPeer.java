package io.stoq.net;

import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeRole;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * A peer proven by the STOQ handshake: its validated Falcon node identity (chain to the network
 * root, not revoked, TLS key bound, transcript signed) and the UDP address the connection runs
 * over. Handlers receive it with every request; nothing else in a request is trusted to say who
 * the peer is.
 */
public record AuthenticatedPeer(NodeIdentity identity, InetSocketAddress address) {
    public String nodeId() {
        return identity.nodeId();
    }

    public String zone() {
        return identity.zone();
    }

    public Set<NodeRole> roles() {
        return identity.roles();
    }

    public BigInteger serial() {
        return identity.serial();
    }

    @Override
    public String toString() {
        return identity.nodeId() + "@" + address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
