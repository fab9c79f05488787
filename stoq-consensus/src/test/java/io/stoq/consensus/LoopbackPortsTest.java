package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    @Test
    void portsAreBindableDistinctAndBelowTheEphemeralRange() throws Exception {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        int ephemeralLow = Files.exists(range)
                ? Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]) : Integer.MAX_VALUE;
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int tcp = LoopbackPorts.tcp();
            int both = LoopbackPorts.tcpAndUdp();
            assertThat(seen.add(tcp)).as("port %d handed out twice", tcp).isTrue();
            assertThat(seen.add(both)).as("port %d handed out twice", both).isTrue();
            if (ephemeralLow > 10_001) {
                // an outgoing connection can never be given these ports while we wait to bind them
                assertThat(tcp).isBetween(10_000, ephemeralLow - 1);
                assertThat(both).isBetween(10_000, ephemeralLow - 1);
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(LO, tcp));
            }
            try (ServerSocket s = new ServerSocket(); DatagramSocket u = new DatagramSocket(new InetSocketAddress(LO, both))) {
                s.bind(new InetSocketAddress(LO, both));
            }
        }
    }

    @Test
    void aPortInUseIsNotHandedOut() throws Exception {
        // hold many ports, then ask: none of the held ones may come back
        Set<Integer> held = new HashSet<>();
        java.util.List<ServerSocket> sockets = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                int p = LoopbackPorts.tcp();
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(LO, p));
                sockets.add(s);
                held.add(p);
            }
            for (int i = 0; i < 50; i++) {
                assertThat(held).doesNotContain(LoopbackPorts.tcp());
            }
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }
}
