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
import io.stoq.crypto.keys.SecureFiles;
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
 * included: the dev node proposes every block) in {@code DATA/node}; and the API's own TLS
 * certificate in {@code DATA/tls} ({@link #ensureApiCertificate}). Created on first call,
 * reused afterwards; the certificate is renewed when it expires within two days or lacks the voter
 * role, and the CA's CRL re-signed when it goes stale within two days (proof bundles carry it).
 * A dev node boots exactly like a production node: the paths are the config defaults. A data
 * directory made before nodes had an SLH-DSA manifest key gets one, and a certificate binding it.
 */
public final class DevIdentity {
    private DevIdentity() {}

    /**
     * @param created true when anything was created or renewed by this call
     * @param identity the validated node identity
     */
    public record Result(boolean created, NodeIdentity identity) {}

    public static Result ensure(Path data) throws NodeException {
        return ensure(data, data.resolve("ca"), "dev-node");
    }

    /**
     * As {@link #ensure(Path)} for one node of a development network ({@code stoq dev --nodes}):
     * the CA in {@code caDir} is shared by every node, the node's keys and certificate (for
     * {@code nodeId}) live in {@code data/node}.
     */
    public static Result ensure(Path data, Path caDir, String nodeId) throws NodeException {
        return ensure(data, caDir, nodeId, "dev");
    }

    /**
     * As {@link #ensure(Path, Path, String)} in {@code zone}: {@code stoq dev --nodes N} spreads its
     * nodes over three zones; a certificate made for another zone is issued again.
     */
    public static Result ensure(Path data, Path caDir, String nodeId, String zone) throws NodeException {
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
            } else if (!NodeKeys.hasSlhDsaKey(nodeDir)) {
                NodeKeys.addSlhDsaKey(nodeDir, null); // made before nodes had one; its certificate is renewed below
                created = true;
            }
            NodeKeys keys = NodeKeys.load(nodeDir, null);
            CertificateAuthority ca = CertificateAuthority.open(caDir, null, Clock.systemUTC());
            if (!Files.exists(certFile) || expiresSoon(certFile) || !isVoter(certFile) || !bindsSlhDsaKey(certFile, keys)
                    || !isFor(certFile, nodeId, zone)) {
                NodeClaims claims = NodeClaims.of(nodeId, zone, EnumSet.allOf(NodeRole.class), keys.tls().getPublic(),
                        keys.kem().getPublic(), keys.slhDsa().publicKey());
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
            NodeCertificateValidator.requireSlhDsaKey(id, keys.slhDsa().publicKey());
            return new Result(created, id);
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "development identity in " + data + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create " + data + ": " + e.getMessage(), e);
        }
    }

    /** Where the API's own certificate lives under {@code DATA}. */
    public static final String API_TLS_DIR = "tls";
    public static final String API_CERTIFICATE = "api.crt.pem";
    public static final String API_PRIVATE_KEY = "api.key.pem";
    /** How long a made API certificate is valid; it is renewed when it has less than {@link #API_RENEW} left. */
    static final Duration API_VALIDITY = Duration.ofDays(365);
    static final Duration API_RENEW = Duration.ofDays(30);

    /**
     * The API certificate that stays the same across restarts, so clients can trust or pin it:
     * {@code DATA/tls/api.crt.pem} (self-signed ECDSA P-256 for {@code 127.0.0.1}, {@code ::1} and
     * {@code localhost}) and {@code DATA/tls/api.key.pem} (0600, in a 0700 directory). Made on the
     * first call and reused afterwards; made anew only when it expires within 30 days or the pair
     * no longer matches (the key is written first, the certificate last). It serves
     * {@code stoq dev --tls} (HTTPS and HTTP/3), and HTTP/3 of any node with no
     * {@code api.tls.certificate}.
     *
     * @param created true when this call made the files
     * @param certificate the certificate file (what a client trusts: {@code curl --cacert})
     * @param privateKey its key
     */
    public record ApiCertificate(boolean created, Path certificate, Path privateKey) {}

    public static ApiCertificate ensureApiCertificate(Path data) throws NodeException {
        Path dir = data.resolve(API_TLS_DIR);
        Path cert = dir.resolve(API_CERTIFICATE);
        Path key = dir.resolve(API_PRIVATE_KEY);
        try {
            if (Files.exists(cert) && Files.exists(key)) {
                try {
                    X509Certificate current = ApiTlsFiles.load(cert, key, Instant.now()).chain().get(0);
                    if (current.getNotAfter().toInstant().isAfter(Instant.now().plus(API_RENEW))) {
                        return new ApiCertificate(false, cert, key);
                    }
                } catch (NodeException unusable) {
                    // e.g. a crash between writing the new key and the new certificate: make a new pair
                    org.slf4j.LoggerFactory.getLogger(DevIdentity.class).warn("replacing the API certificate in {}: {}",
                            dir, unusable.getMessage());
                }
            }
            SecureFiles.createPrivateDirectory(dir);
            io.stoq.fragmint.http.TlsIdentity id = io.stoq.fragmint.http.TlsIdentity.selfSigned(List.of("localhost"),
                    List.of("127.0.0.1", "::1"), API_VALIDITY);
            PemFiles.writePrivateKey(key, id.key(), null);
            PemFiles.writeCertificates(cert, id.chain());
            return new ApiCertificate(true, cert, key);
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "API certificate in " + dir + ": " + e.getMessage(), e);
        } catch (java.security.GeneralSecurityException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot make the API certificate in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A dev node is its network's only proposer, and only voters propose. */
    private static boolean isVoter(Path certFile) throws CryptoException {
        return NodeIdentityExtension.from(PemFiles.readCertificates(certFile).get(0)).roles().contains(NodeRole.VOTER);
    }

    /** False for a certificate issued before nodes had an SLH-DSA key, or for another one. */
    private static boolean bindsSlhDsaKey(Path certFile, NodeKeys keys) throws CryptoException {
        NodeClaims claims = NodeIdentityExtension.from(PemFiles.readCertificates(certFile).get(0));
        return claims.slhDsaKeyHash().filter(h -> h.equals(NodeClaims.keyHash(keys.slhDsa().publicKey()))).isPresent();
    }

    private static boolean isFor(Path certFile, String nodeId, String zone) throws CryptoException {
        NodeClaims id = NodeIdentityExtension.from(PemFiles.readCertificates(certFile).get(0));
        return id.nodeId().equals(nodeId) && id.zone().equals(zone);
    }

    private static boolean expiresSoon(Path certFile) throws CryptoException {
        X509Certificate cert = PemFiles.readCertificates(certFile).get(0);
        return cert.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(2)));
    }
}
