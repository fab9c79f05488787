package io.stoq.node.cli.dev;

import io.stoq.consensus.LoopbackPorts;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.accounts.AdminBootstrap;
import io.stoq.node.daemon.DevIdentity;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.ledger.RaftSettings;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The files of a development network under {@code DATA} ({@code stoq dev --nodes N}), made on the
 * first start and reused afterwards:
 *
 * <pre>
 *   DATA/ca/                 one dev CA for every node (root, intermediate, CRL); node N's certificate
 *                            names zone-((N-1) mod 3 + 1), so the nodes cover three zones round robin
 *   DATA/dev-admin.key       the admin's API key, valid on every node (0600)
 *   DATA/operator/           the network's operator (custodial admin) key, copied into each node's accounts/
 *   DATA/founders/node-N.pem every node's certificate: the genesis block registers them all as voters
 *   DATA/founders/node-N.kem.pub.pem  its ML-KEM public key: the first key epoch is sealed to every
 *                            founder (without it nodes 2..N held no share: they could neither open the
 *                            admin's custodial key nor decrypt an asset)
 *   DATA/node-N/             node N's data directory (keys in node/, ledger, shards, raft log, ...)
 *   DATA/node-N/ports        its API (TCP and UDP), peer (UDP) and Raft (TCP) ports, picked free once, kept
 *   DATA/node-N/pid          its process id while it runs
 *   DATA/node-N/node.log     its log
 * </pre>
 *
 * <p>Only the parent process writes these files, before any node starts, so nodes never race on
 * the CA's files.
 */
final class DevNetworkLayout {
    /** How many nodes a development network may have (all of them Raft voters). */
    static final int MAX_NODES = 9;
    static final String PORTS_FILE = "ports";
    static final String PID_FILE = "pid";
    static final String LOG_FILE = "node.log";

    /** One node's slot in the network. */
    record Member(int index, String nodeId, Path dir, Ports ports) {
        Path pidFile() {
            return dir.resolve(PID_FILE);
        }

        Path logFile() {
            return dir.resolve(LOG_FILE);
        }
    }

    /** A node's ports on 127.0.0.1: API (TCP, and UDP for HTTP/3), STOQ peers (UDP), Raft (TCP). */
    record Ports(int api, int peer, int raft) {}

    private final Path data;
    private final List<Member> members;

    private DevNetworkLayout(Path data, List<Member> members) {
        this.data = data;
        this.members = members;
    }

    Path data() {
        return data;
    }

    List<Member> members() {
        return members;
    }

    Path adminKeyFile() {
        return data.resolve(AdminBootstrap.KEY_FILE);
    }

    /** Makes (or checks and reuses) everything a network of {@code nodes} nodes needs under {@code data}. */
    static DevNetworkLayout prepare(Path data, int nodes) throws NodeException {
        Path root = data.toAbsolutePath().normalize();
        try {
            Files.createDirectories(root);
            List<Member> members = new ArrayList<>();
            Path founders = root.resolve("founders");
            Files.createDirectories(founders);
            Path operator = root.resolve("operator");
            boolean newOperator = !Files.exists(operator.resolve("operator.key.pem"));
            CustodialKeys.open(operator).operatorKey(newOperator);
            for (int i = 1; i <= nodes; i++) {
                String nodeId = "node-" + i;
                Path dir = root.resolve(nodeId);
                DevIdentity.ensure(dir, root.resolve("ca"), nodeId, zone(i));
                // Founders: the genesis block (made by node-1 on an empty ledger) registers each as a voter.
                Files.copy(dir.resolve("node").resolve("node.crt.pem"), founders.resolve(nodeId + ".pem"),
                        StandardCopyOption.REPLACE_EXISTING);
                Files.copy(dir.resolve("node").resolve(NodeKeys.KEM_PUB), founders.resolve(nodeId + RaftSettings.KEM_SUFFIX),
                        StandardCopyOption.REPLACE_EXISTING);
                copyOperatorKey(operator, dir.resolve("accounts"));
                members.add(new Member(i, nodeId, dir, ports(dir)));
            }
            ensureAdminKey(root.resolve(AdminBootstrap.KEY_FILE));
            return new DevNetworkLayout(root, List.copyOf(members));
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot prepare the development network in " + root + ": " + e.getMessage(), e);
        }
    }

    /** Zones of a development network: nodes are spread over three, round robin (node-1 zone-1, node-4 zone-1 again). */
    static final int ZONES = 3;

    /** The zone of node {@code index} (1-based): {@code zone-1}, {@code zone-2}, {@code zone-3}, {@code zone-1}, ... */
    static String zone(int index) {
        return "zone-" + ((index - 1) % ZONES + 1);
    }

    /** The network's operator key goes into a node's custodial keys before its first start (later it is left alone). */
    private static void copyOperatorKey(Path operator, Path accounts) throws IOException {
        try {
            SecureFiles.createPrivateDirectory(accounts);
        } catch (CryptoException e) {
            throw new IOException(e.getMessage(), e);
        }
        try (var files = Files.list(operator)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path target = accounts.resolve(f.getFileName());
                if (!Files.exists(target)) {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /**
     * The admin's API key, one for the whole network: accounts are ledger state on a Raft
     * network, so the first node to start makes the admin account with this key's hash
     * ({@code AdminBootstrap.ensureAdminWithKey}) and the others find it.
     */
    private static void ensureAdminKey(Path keyFile) throws NodeException {
        if (Files.exists(keyFile)) {
            return;
        }
        ApiKeys.Issued issued = ApiKeys.issue(AdminBootstrap.ADMIN, "dev network bootstrap", Instant.now(), null);
        try {
            SecureFiles.writePrivate(keyFile, (issued.plaintext() + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot write " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** The node's ports: those written in {@code DIR/ports} by an earlier start, else free ones now (then written). */
    private static Ports ports(Path dir) throws IOException, NodeException {
        Path file = dir.resolve(PORTS_FILE);
        if (Files.exists(file)) {
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            try {
                return new Ports(Integer.parseInt(p.getProperty("api")), Integer.parseInt(p.getProperty("peer")),
                        Integer.parseInt(p.getProperty("raft")));
            } catch (NumberFormatException e) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, file + " is not a ports file (api=, peer=, raft=); delete it to pick new ports");
            }
        }
        Ports ports = freePorts();
        String text = "# picked free on the first start of stoq dev --nodes; kept so the nodes find each other again\n"
                + "api=" + ports.api() + "\npeer=" + ports.peer() + "\nraft=" + ports.raft() + "\n";
        try {
            SecureFiles.writePublic(file, text.getBytes(StandardCharsets.UTF_8)); // temp, fsync, rename
        } catch (CryptoException e) {
            throw new IOException(e.getMessage(), e);
        }
        return ports;
    }

    /**
     * Three ports free right now on 127.0.0.1, below the ephemeral range ({@link LoopbackPorts}):
     * the API's (free for TCP and UDP alike: HTTP/3 uses the same number), the peers' (UDP) and
     * Raft's (TCP). Another process may still bind one before the node does (the node then fails
     * to start, naming the port).
     */
    private static Ports freePorts() throws IOException {
        return new Ports(LoopbackPorts.tcpAndUdp(), LoopbackPorts.tcpAndUdp(), LoopbackPorts.tcp());
    }

    /** {@code node-1@127.0.0.1:R1,node-2@...}: every node is a voter. */
    String voters() {
        return members.stream().map(m -> m.nodeId() + "@127.0.0.1:" + m.ports().raft()).collect(Collectors.joining(","));
    }

    /** The peer addresses of every node but {@code self}. */
    String seedsFor(Member self) {
        return members.stream().filter(m -> m != self).map(m -> "127.0.0.1:" + m.ports().peer()).collect(Collectors.joining(","));
    }

    /** The config keys that make {@code m} a member of this network (before the user's own {@code -D}s). */
    List<String> config(Member m) {
        Path ca = data.resolve("ca");
        return List.of(
                "peer.bind=127.0.0.1:" + m.ports().peer(),
                "discovery.seeds=" + seedsFor(m),
                "node.root-certificate=" + ca.resolve("root.crt.pem"),
                "node.crl=" + ca.resolve("crl.pem"),
                "ledger.mode=raft",
                "raft.voters=" + voters(),
                "raft.founders=" + data.resolve("founders"));
    }
}
