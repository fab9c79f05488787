package io.stoq.consensus;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks ports on 127.0.0.1 that must be known before the server that binds them starts: a Raft
 * group needs every voter's address before any voter starts, so the dev network, the Raft bench
 * and the test clusters choose them up front.
 *
 * <p>Why not bind port 0 and release it: the kernel hands that port out again to the next
 * outgoing connection that needs an ephemeral port, and a busy test JVM makes hundreds. A fresh
 * CI run lost a whole test fork that way (Ratis could not bind its port and ended the JVM). Ports
 * below the kernel's ephemeral range ({@code ip_local_port_range}) are never given to outgoing
 * connections, so once checked free here, only an explicit bind can take them. Ports handed out
 * by this process are not handed out again by it.
 */
public final class LoopbackPorts {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Lowest port picked: above the well-known and most registered service ports. */
    private static final int LOW = 10_000;
    private static final int ATTEMPTS = 200;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {
    }

    /** A port free for TCP on 127.0.0.1 now, outside the ephemeral range where the OS says what it is. */
    public static int tcp() throws IOException {
        return pick(false);
    }

    /** A port free for both TCP and UDP on 127.0.0.1 now (an HTTPS port that also serves HTTP/3). */
    public static int tcpAndUdp() throws IOException {
        return pick(true);
    }

    private static int pick(boolean udpToo) throws IOException {
        int high = ephemeralLow() - 1;
        if (high <= LOW) {
            return ephemeral(udpToo);
        }
        for (int i = 0; i < ATTEMPTS; i++) {
            int port = ThreadLocalRandom.current().nextInt(LOW, high + 1);
            if (free(port, udpToo) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        return ephemeral(udpToo);
    }

    /** The low end of the ephemeral range, or 0 where it cannot be read (then port 0 is used). */
    private static int ephemeralLow() {
        try {
            String[] range = Files.readString(EPHEMERAL_RANGE).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static boolean free(int port, boolean udpToo) {
        try (ServerSocket tcp = new ServerSocket()) {
            tcp.bind(new InetSocketAddress(LOOPBACK, port), 1);
            if (udpToo) {
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
                    return true;
                }
            }
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** Fallback where the range is unknown or full: the old way, with its race. */
    private static int ephemeral(boolean udpToo) throws IOException {
        for (int i = 0; i < ATTEMPTS; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
                port = s.getLocalPort();
            }
            if ((!udpToo || free(port, true)) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IOException("found no free port on 127.0.0.1 in " + ATTEMPTS + " tries");
    }
}
