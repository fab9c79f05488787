package io.stoq.node.daemon;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeIdentityExtension;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;

/**
 * The identity of a development node under {@code DATA}: a dev CA in {@code DATA/ca}, node keys
 * (unencrypted: development only) and a 30-day certificate with every role (the voter role
 * included: the dev node proposes every block) in {@code DATA/node}. Created on first call,
 * reused afterwards; the certificate is renewed when it expires within two days or lacks the voter
 * role, and the CA's CRL re-signed when it goes stale within two days (proof bundles carry it).
 * A dev node boots exactly like a production node: the paths are the config defaults.
 */
public final class DevIdentity {
    private DevIdentity() {}

    /**
     * @param created true when anything was created or renewed by this call
     * @param identity the validated node identity
     */
    public record Result(boolean created, NodeIdentity identity) {}

    public static Result ensure(Path data) throws NodeException {
        Path caDir = data.resolve("ca");
        Path nodeDir = data.resolve("node");
        Path certFile = nodeDir.resolve("node.crt.pem");
        try {
            Files.createDirectories(data);
            boolean created = false;
            if (!Files.exists(caDir)) {
                CertificateAuthority.init(caDir, "stoq-dev", null, null, CertificateAuthority.Policy.DEFAULT, Clock.systemUTC());
                created = true;
            }
            if (!Files.exists(nodeDir.resolve(NodeKeys.FALCON_KEY))) {
                NodeKeys.generate().write(nodeDir, null);
                created = true;
            }
            NodeKeys keys = NodeKeys.load(nodeDir, null);
            CertificateAuthority ca = CertificateAuthority.open(caDir, null, Clock.systemUTC());
            if (!Files.exists(certFile) || expiresSoon(certFile) || !isVoter(certFile)) {
                NodeClaims claims = NodeClaims.of("dev-node", "dev", EnumSet.allOf(NodeRole.class), keys.tls().getPublic(),
                        keys.kem().getPublic());
                PemFiles.writeCertificates(certFile, ca.issue(NodeCsr.create(keys.falcon(), claims), Duration.ofDays(30)));
                created = true;
            }
            X509CRL crl = PemFiles.readCrl(ca.crlFile());
            if (crl.getNextUpdate() == null || crl.getNextUpdate().toInstant().isBefore(Instant.now().plus(Duration.ofDays(2)))) {
                crl = ca.crl(); // proof bundles carry this CRL, and verifiers refuse a stale one
                created = true;
            }
            List<X509Certificate> chain = PemFiles.readCertificates(certFile);
            NodeIdentity id = NodeCertificateValidator.validate(chain, ca.root(), Instant.now(), crl);
            NodeCertificateValidator.requireTlsKey(id, keys.tls().getPublic());
            return new Result(created, id);
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "development identity in " + data + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create " + data + ": " + e.getMessage(), e);
        }
    }

    /** A dev node is its network's only proposer, and only voters propose. */
    private static boolean isVoter(Path certFile) throws CryptoException {
        return NodeIdentityExtension.from(PemFiles.readCertificates(certFile).get(0)).roles().contains(NodeRole.VOTER);
    }

    private static boolean expiresSoon(Path certFile) throws CryptoException {
        X509Certificate cert = PemFiles.readCertificates(certFile).get(0);
        return cert.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(2)));
    }
}
