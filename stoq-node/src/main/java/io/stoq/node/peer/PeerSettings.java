package io.stoq.node.peer;

import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.config.ConfigKey;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import io.stoq.net.PeerConfig;
import io.stoq.net.discovery.DiscoveryConfig;
import io.stoq.quic.QuicTransport;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one place the node's {@code peer.*} and {@code discovery.*} keys become stoq-net's
 * {@link PeerConfig} and {@link DiscoveryConfig}. A combination the records refuse (a
 * connection window below the stream window, dead-after below suspect-after) fails with
 * {@link NodeErrorCode#BAD_CONFIG} naming the keys.
 */
public final class PeerSettings {
    private PeerSettings() {}

    /** The transport settings. */
    public static PeerConfig transport(NodeConfig config) throws NodeException {
        InetSocketAddress bind = address(NodeConfigKeys.PEER_BIND, config.get(NodeConfigKeys.PEER_BIND));
        try {
            return new PeerConfig(bind, (int) config.get(NodeConfigKeys.PEER_MAX_FRAME_SIZE).bytes(),
                    config.get(NodeConfigKeys.PEER_HANDSHAKE_TIMEOUT), config.get(NodeConfigKeys.PEER_IDLE_TIMEOUT),
                    config.get(NodeConfigKeys.PEER_REQUEST_TIMEOUT), config.get(NodeConfigKeys.PEER_MAX_STREAMS),
                    config.get(NodeConfigKeys.PEER_MAX_CONNECTIONS), config.get(NodeConfigKeys.PEER_MAX_CONNECTIONS_PER_PEER),
                    config.get(NodeConfigKeys.PEER_MAX_HANDSHAKES_PER_ADDRESS), config.get(NodeConfigKeys.PEER_WORKER_THREADS),
                    config.get(NodeConfigKeys.PEER_WORKER_QUEUE), config.get(NodeConfigKeys.PEER_STREAM_WINDOW).bytes(),
                    config.get(NodeConfigKeys.PEER_CONNECTION_WINDOW).bytes(),
                    (int) config.get(NodeConfigKeys.PEER_SOCKET_BUFFER).bytes(), config.get(NodeConfigKeys.PEER_MAX_UDP_PAYLOAD),
                    config.get(NodeConfigKeys.PEER_NATIVE_TRANSPORT));
        } catch (IllegalArgumentException e) {
            // the rules the keys' own ranges cannot check: one across two keys, and a gap in one's range
            String rule = e.getMessage().contains("maxUdpPayload") ? "peer.max-udp-payload must be 0 or "
                    + QuicTransport.BASE_UDP_PAYLOAD + ".." + QuicTransport.MAX_UDP_PAYLOAD
                    : "peer.connection-window must be at least peer.stream-window";
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "peer.*: " + e.getMessage() + " (" + rule + ")", e);
        }
    }

    /**
     * The discovery settings. {@code bound} is the address the transport actually listens on
     * (its port is known only after binding port 0): the record advertises it unless
     * {@code discovery.advertise} says otherwise.
     */
    public static DiscoveryConfig discovery(NodeConfig config, InetSocketAddress bound) throws NodeException {
        List<InetSocketAddress> seeds = addresses(NodeConfigKeys.DISCOVERY_SEEDS, config.get(NodeConfigKeys.DISCOVERY_SEEDS));
        List<InetSocketAddress> advertise = addresses(NodeConfigKeys.DISCOVERY_ADVERTISE,
                config.get(NodeConfigKeys.DISCOVERY_ADVERTISE));
        if (advertise.isEmpty()) {
            advertise = List.of(advertisable(bound));
        }
        for (InetSocketAddress a : advertise) {
            if (a.getAddress() == null || a.getAddress().isAnyLocalAddress() || a.getPort() == 0) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, NodeConfigKeys.DISCOVERY_ADVERTISE.name() + ": " + a
                        + " is not an address a peer can dial (give an IP literal and a port)");
            }
        }
        try {
            return new DiscoveryConfig(seeds, advertise, config.get(NodeConfigKeys.DISCOVERY_GOSSIP_INTERVAL),
                    config.get(NodeConfigKeys.DISCOVERY_HEARTBEAT_INTERVAL), config.get(NodeConfigKeys.DISCOVERY_SUSPECT_AFTER),
                    config.get(NodeConfigKeys.DISCOVERY_DEAD_AFTER), config.get(NodeConfigKeys.DISCOVERY_MAX_RECORDS),
                    config.get(NodeConfigKeys.DISCOVERY_FANOUT));
        } catch (IllegalArgumentException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "discovery.*: " + e.getMessage()
                    + " (need heartbeat-interval <= suspect-after <= dead-after, and at most 8 advertised addresses)", e);
        }
    }

    /** The bound address, or for a wildcard bind this host's first non-loopback address with the bound port. */
    static InetSocketAddress advertisable(InetSocketAddress bound) throws NodeException {
        if (!bound.getAddress().isAnyLocalAddress()) {
            return bound;
        }
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (!(a instanceof Inet6Address) && !a.isLinkLocalAddress()) {
                        return new InetSocketAddress(a, bound.getPort());
                    }
                }
            }
        } catch (SocketException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot list network interfaces to pick an address to advertise "
                    + "(set " + NodeConfigKeys.DISCOVERY_ADVERTISE.name() + "): " + e.getMessage(), e);
        }
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
    }

    /** Parses a comma-separated list of {@code host:port} (empty: none). */
    static List<InetSocketAddress> addresses(ConfigKey<String> key, String text) throws NodeException {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(address(key, part.trim()));
            }
        }
        return out;
    }

    /** Parses {@code host:port} ({@code [v6]:port} for IPv6), resolving a host name once, now. */
    static InetSocketAddress address(ConfigKey<String> key, String text) throws NodeException {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, key.name() + ": '" + text + "' is not host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, key.name() + ": '" + text + "' has no port between 0 and 65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, key.name() + ": cannot resolve host '" + host + "'", e);
        }
    }
}
