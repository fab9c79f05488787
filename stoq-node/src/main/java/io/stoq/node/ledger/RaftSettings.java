package io.stoq.node.ledger;

import io.stoq.consensus.ConsensusException;
import io.stoq.consensus.RaftLedgerConfig;
import io.stoq.consensus.RaftPeerSpec;
import io.stoq.consensus.RaftTls;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.net.LocalIdentity;
import io.stoq.net.RevocationSource;
import io.stoq.net.handshake.PeerVerifier;
import io.stoq.node.NodeCredentials;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Maps the node's {@code raft.*} and {@code ledger.*} keys onto stoq-consensus' values: who the
 * group's voters and listeners are, where Raft keeps its log, and the mutual TLS that trusts only
 * nodes certified by this network's CA (the same {@link PeerVerifier} rules as the STOQ transport,
 * with the peer layer's revocations).
 */
public final class RaftSettings {
    private RaftSettings() {}

    /** True when {@code ledger.mode=raft}. */
    public static boolean enabled(NodeConfig config) {
        return "raft".equals(config.get(NodeConfigKeys.LEDGER_MODE));
    }

    /** The group of this node ({@code self}); one group per CA, its id derived from the root certificate. */
    public static RaftLedgerConfig config(NodeConfig config, String self, NodeCredentials node) throws NodeException {
        List<RaftPeerSpec> peers = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String entry : split(config.get(NodeConfigKeys.RAFT_VOTERS))) {
            peers.add(RaftPeerSpec.voter(id(entry, ids), address(entry)));
        }
        for (String entry : split(config.get(NodeConfigKeys.RAFT_LISTENERS))) {
            peers.add(RaftPeerSpec.listener(id(entry, ids), address(entry)));
        }
        if (peers.stream().noneMatch(p -> p.nodeId().equals(self)) && config.get(NodeConfigKeys.RAFT_ADDRESS).isBlank()) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "ledger.mode=raft but this node (" + self
                    + ") is in neither raft.voters nor raft.listeners, and has no raft.address to join with");
        }
        if (peers.isEmpty()) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "ledger.mode=raft needs raft.voters (the group, or the members a "
                    + "joining node reaches it through)");
        }
        if (config.get(NodeConfigKeys.RAFT_ELECTION_TIMEOUT_MAX).compareTo(config.get(NodeConfigKeys.RAFT_ELECTION_TIMEOUT_MIN)) <= 0) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "raft.election-timeout-max must exceed raft.election-timeout-min");
        }
        UUID group;
        try {
            group = UUID.nameUUIDFromBytes(node.root().getEncoded());
        } catch (CertificateEncodingException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "cannot encode the root certificate: " + e.getMessage(), e);
        }
        return RaftLedgerConfig.of(self, group, peers, config.path(NodeConfigKeys.RAFT_DIR))
                .withBlockInterval(config.get(NodeConfigKeys.LEDGER_BLOCK_INTERVAL))
                .withMaxBlockTxs(Math.min(config.get(NodeConfigKeys.LEDGER_MAX_BLOCK_TXS), io.stoq.ledger.tx.Limits.MAX_BLOCK_TXS))
                .withElectionTimeout(config.get(NodeConfigKeys.RAFT_ELECTION_TIMEOUT_MIN),
                        config.get(NodeConfigKeys.RAFT_ELECTION_TIMEOUT_MAX));
    }

    /**
     * This node's entry when it joins the group by registration: it is in neither
     * {@code raft.voters} nor {@code raft.listeners} and names its {@code raft.address}; asks to
     * vote unless {@code raft.role=listener}. Empty for a node listed in the group.
     */
    public static java.util.Optional<RaftPeerSpec> joinAs(NodeConfig config, RaftLedgerConfig raft) {
        if (raft.peers().stream().anyMatch(p -> p.nodeId().equals(raft.self()))) {
            return java.util.Optional.empty();
        }
        InetSocketAddress address = address("x@" + config.get(NodeConfigKeys.RAFT_ADDRESS).trim());
        return java.util.Optional.of("listener".equals(config.get(NodeConfigKeys.RAFT_ROLE))
                ? RaftPeerSpec.listener(raft.self(), address) : RaftPeerSpec.voter(raft.self(), address));
    }

    /**
     * Mutual TLS for Raft with this node's Falcon identity, trusting what the peer layer trusts;
     * {@code self} is the address its Raft server listens on, {@code refusals} hears each refused peer.
     */
    public static RaftTls tls(NodeCredentials node, Hash256 networkId, RevocationSource revocations, java.net.InetAddress self,
            Clock clock, java.util.function.Consumer<String> refusals) throws NodeException {
        try {
            LocalIdentity me = LocalIdentity.of(node.keys(), node.chain(), node.root(), networkId);
            PeerVerifier verifier = new PeerVerifier(node.root(), networkId, revocations, clock);
            return RaftTls.of(me, self, verifier, refusals);
        } catch (CryptoException | ConsensusException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "raft identity: " + e.getMessage(), e);
        }
    }

    /** The node certificate chains in {@code raft.founders} (every {@code *.pem} there), none when the key is empty. */
    public static List<List<X509Certificate>> founders(NodeConfig config) throws NodeException {
        String dir = config.get(NodeConfigKeys.RAFT_FOUNDERS);
        List<List<X509Certificate>> out = new ArrayList<>();
        if (dir.isBlank()) {
            return out;
        }
        Path path = Path.of(dir);
        try (var files = Files.list(path)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pem")
                    && !p.getFileName().toString().endsWith(KEM_SUFFIX)).sorted().toList()) {
                out.add(PemFiles.readCertificates(f));
            }
        } catch (IOException | CryptoException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "cannot read the founders' certificates in " + path + " (raft.founders): "
                    + e.getMessage(), e);
        }
        return out;
    }

    /** A founder's ML-KEM public key beside its chain: {@code <name>.pem} and {@code <name>.kem.pub.pem}. */
    public static final String KEM_SUFFIX = ".kem.pub.pem";

    /**
     * The founders' ML-KEM public keys in {@code raft.founders} (node id to key): the first key
     * epoch is sealed to them. Each must be the key its certificate claims; a founder without
     * one gets no share of the first epoch.
     */
    public static java.util.Map<String, java.security.PublicKey> founderKemKeys(NodeConfig config) throws NodeException {
        String dir = config.get(NodeConfigKeys.RAFT_FOUNDERS);
        java.util.Map<String, java.security.PublicKey> out = new java.util.LinkedHashMap<>();
        if (dir.isBlank()) {
            return out;
        }
        Path path = Path.of(dir);
        try (var files = Files.list(path)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(KEM_SUFFIX)).sorted().toList()) {
                String name = f.getFileName().toString();
                Path chain = path.resolve(name.substring(0, name.length() - KEM_SUFFIX.length()) + ".pem");
                var claims = io.stoq.crypto.ca.NodeIdentityExtension.from(PemFiles.readCertificates(chain).get(0));
                java.security.PublicKey kem = PemFiles.readPublicKey(f);
                if (!claims.kemKeyHash().equals(io.stoq.crypto.hash.Sha3.hash(kem.getEncoded()))) {
                    throw new NodeException(NodeErrorCode.BAD_CONFIG, f + " is not the ML-KEM key node " + claims.nodeId()
                            + "'s certificate (" + chain + ") binds");
                }
                out.put(claims.nodeId(), kem);
            }
        } catch (IOException | CryptoException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "cannot read the founders' ML-KEM keys in " + path + " (raft.founders): "
                    + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Prometheus text of the Raft transport's refusals by reason ({@code stoq_raft_refused_total});
     * the labels are stoq-net's error code names, so the series are bounded whatever peers send.
     */
    public static String metrics(io.stoq.consensus.RaftRefusals refusals) {
        StringBuilder out = new StringBuilder("# HELP stoq_raft_refused_total Raft peers refused (TLS handshake or a call after revocation), "
                + "by reason.\n# TYPE stoq_raft_refused_total counter\n");
        refusals.snapshot().forEach((code, n) -> out.append("stoq_raft_refused_total{code=\"").append(code.name()).append("\"} ")
                .append(n).append('\n'));
        return out.toString();
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private static String id(String entry, Set<String> seen) throws NodeException {
        String id = entry.substring(0, entry.indexOf('@'));
        if (!seen.add(id)) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "node " + id + " is listed twice in raft.voters/raft.listeners");
        }
        return id;
    }

    private static InetSocketAddress address(String entry) {
        String hostPort = entry.substring(entry.indexOf('@') + 1);
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
