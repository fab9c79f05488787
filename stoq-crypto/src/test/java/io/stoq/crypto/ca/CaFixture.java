package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;

/** A real CA on disk plus helpers to make node keys and certificates in tests. */
final class CaFixture {
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    final CertificateAuthority ca;

    CaFixture(Path dir, String network) throws CryptoException {
        this.ca = CertificateAuthority.init(dir, network, null, null, CertificateAuthority.Policy.DEFAULT, CLOCK);
    }

    static NodeClaims claims(NodeKeys keys, String nodeId) throws CryptoException {
        return NodeClaims.of(nodeId, "zone-a", EnumSet.of(NodeRole.STORAGE, NodeRole.VOTER),
                keys.tls().getPublic(), keys.kem().getPublic(), keys.slhDsa().publicKey());
    }

    /** Issues a 30-day certificate for fresh keys; returns the keys and the chain. */
    Issued issue(String nodeId) throws CryptoException {
        NodeKeys keys = NodeKeys.generate();
        List<X509Certificate> chain = ca.issue(NodeCsr.create(keys.falcon(), claims(keys, nodeId)), Duration.ofDays(30));
        return new Issued(keys, chain);
    }

    record Issued(NodeKeys keys, List<X509Certificate> chain) {
        X509Certificate leaf() {
            return chain.get(0);
        }
    }
}
