package io.stoq.net;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.net.transport.StoqTransport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A real Falcon CA on disk and real node keys and certificates made with the production keygen,
 * CSR and issue code, plus transports on 127.0.0.1 port 0 with short timeouts. The CA's clock can
 * be moved (to issue certificates that are already expired).
 */
public final class NetFixture {
    /** Short timeouts so refusal tests finish fast; real QUIC on loopback needs far less. */
    public static final PeerConfig CONFIG = PeerConfig.DEFAULTS.withBind(new InetSocketAddress("127.0.0.1", 0))
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5));

    public final CertificateAuthority ca;
    public final MovableClock clock;
    public final Hash256 networkId;

    public NetFixture(Path dir, String network) throws Exception {
        // The CA is made 60 days back, so that tests can issue certificates that have already expired.
        this.clock = new MovableClock(Instant.now().minus(Duration.ofDays(60)));
        this.ca = CertificateAuthority.init(dir.resolve("ca-" + network), network, null, null, CertificateAuthority.Policy.DEFAULT,
                clock);
        clock.set(Instant.now());
        this.networkId = Sha3.hash(("test network " + network).getBytes(StandardCharsets.UTF_8), ca.root().getEncoded());
    }

    /** A node's keys and certificate chain, issued now for {@code validity}. */
    public record Node(NodeKeys keys, List<X509Certificate> chain) {
        public java.math.BigInteger serial() {
            return chain.get(0).getSerialNumber();
        }
    }

    public Node issue(String nodeId) throws CryptoException {
        return issue(nodeId, Duration.ofDays(30));
    }

    public Node issue(String nodeId, Duration validity) throws CryptoException {
        NodeKeys keys = NodeKeys.generate();
        NodeClaims claims = NodeClaims.of(nodeId, "zone-" + nodeId.charAt(nodeId.length() - 1),
                EnumSet.of(NodeRole.STORAGE, NodeRole.VOTER), keys.tls().getPublic(), keys.kem().getPublic(),
                keys.slhDsa().publicKey());
        return new Node(keys, ca.issue(NodeCsr.create(keys.falcon(), claims), validity));
    }

    public LocalIdentity identity(Node node) throws CryptoException {
        return LocalIdentity.of(node.keys(), node.chain(), ca.root(), networkId);
    }

    /**
     * An impostor's identity: {@code node}'s Falcon key and certificate, but a TLS key pair the
     * certificate does not bind (skips {@link LocalIdentity#of}'s start-up check).
     */
    public LocalIdentity withTlsKey(Node node, KeyPair tls) throws CryptoException {
        NodeIdentity id = NodeCertificateValidator.validate(node.chain(), ca.root(), Instant.now(), Set.of());
        return LocalIdentity.unchecked(node.keys().falcon(), tls, node.chain(), ca.root(), networkId, id);
    }

    /** {@code node}'s identity without the start-up checks (an expired certificate, another CA's root). */
    public LocalIdentity unchecked(Node node, X509Certificate root, Hash256 network) throws CryptoException {
        X509Certificate leaf = node.chain().get(0);
        Instant at = leaf.getNotAfter().toInstant().minusSeconds(1);
        NodeIdentity id = NodeCertificateValidator.validate(node.chain(), ca.root(), at, Set.of());
        return LocalIdentity.unchecked(node.keys().falcon(), node.keys().tls(), node.chain(), root, network, id);
    }

    public StoqTransport.Builder builder(LocalIdentity identity) {
        return StoqTransport.builder(CONFIG, identity);
    }

    /** A clock tests can move; the CA issues at its instant. */
    public static final class MovableClock extends Clock {
        private volatile Instant now;

        public MovableClock(Instant now) {
            this.now = now;
        }

        public void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
