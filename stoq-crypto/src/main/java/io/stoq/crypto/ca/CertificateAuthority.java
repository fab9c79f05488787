package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * The network's Falcon certificate authority, kept in a directory (see {@link CaLayout}).
 *
 * <p>{@link #init} makes a Falcon-1024 root and a Falcon-512 intermediate; {@link #open} loads the
 * intermediate to issue node certificates, revoke them and sign CRLs. Mutating operations hold an
 * exclusive file lock on the directory so two admins cannot interleave, and every file is written
 * atomically, so a crash leaves the CA as it was before or after an operation, never between.
 */
public final class CertificateAuthority {
    /** Node certificates are short-lived; a longer request is refused rather than silently cut. */
    public static final Duration MAX_NODE_VALIDITY = Duration.ofDays(397);
    /** Tolerated clock skew between the CA and the nodes: certificates start this much in the past. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final CaLayout layout;
    private final String network;
    private final X509Certificate root;
    private final X509Certificate intermediate;
    private final SigningKey intermediateKey;
    private final Clock clock;

    private CertificateAuthority(CaLayout layout, String network, X509Certificate root, X509Certificate intermediate,
            SigningKey intermediateKey, Clock clock) {
        this.layout = layout;
        this.network = network;
        this.root = root;
        this.intermediate = intermediate;
        this.intermediateKey = intermediateKey;
        this.clock = clock;
    }

    /** Validity periods for a new CA. */
    public record Policy(Duration rootValidity, Duration intermediateValidity, Duration crlValidity) {
        public static final Policy DEFAULT = new Policy(Duration.ofDays(20 * 365), Duration.ofDays(5 * 365), Duration.ofDays(7));
    }

    /**
     * Creates a new CA in {@code dir}, which must not exist or be empty. Passphrases may be null
     * (keys then stored unencrypted, which only suits development networks).
     */
    public static CertificateAuthority init(Path dir, String network, char[] rootPassphrase, char[] intermediatePassphrase,
            Policy policy, Clock clock) throws CryptoException {
        CaLayout layout = new CaLayout(dir);
        if (!network.matches("[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}")) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    "network name '" + network + "' is invalid: use up to 63 letters, digits, spaces, '.', '_' or '-'");
        }
        if (Files.exists(dir) && !isEmptyDirectory(dir)) {
            throw new CryptoException(CryptoErrorCode.ALREADY_EXISTS, dir + " already exists and is not empty; refusing to overwrite a CA");
        }
        SecureFiles.createPrivateDirectory(dir);
        SecureFiles.createPrivateDirectory(layout.privateDir());
        SecureFiles.createPrivateDirectory(layout.issuedDir());
        Instant now = clock.instant().minus(BACKDATE);
        SigningKey rootKey = SigningKey.generate(SignatureAlgorithm.FALCON_1024);
        SigningKey intermediateKey = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        X509Certificate root = CertificateIssuer.root(rootKey, network, now, now.plus(policy.rootValidity()));
        X509Certificate intermediate = CertificateIssuer.intermediate(rootKey, root, intermediateKey.publicKey(), network,
                now, now.plus(policy.intermediateValidity()));

        PemFiles.writePrivateKey(layout.rootKey(), rootKey.privateKey(), rootPassphrase);
        PemFiles.writePrivateKey(layout.intermediateKey(), intermediateKey.privateKey(), intermediatePassphrase);
        PemFiles.writeCertificates(layout.rootCert(), List.of(root));
        PemFiles.writeCertificates(layout.intermediateCert(), List.of(intermediate));
        Properties props = new Properties();
        props.setProperty("network", network);
        props.setProperty("root.algorithm", SignatureAlgorithm.FALCON_1024.id());
        props.setProperty("intermediate.algorithm", SignatureAlgorithm.FALCON_512.id());
        props.setProperty("crl.number", "0");
        props.setProperty("crl.validity.seconds", Long.toString(policy.crlValidity().toSeconds()));
        writeProperties(layout.properties(), props);
        writeProperties(layout.revoked(), new Properties());
        CertificateAuthority ca = new CertificateAuthority(layout, network, root, intermediate, intermediateKey, clock);
        ca.crl();
        return ca;
    }

    /**
     * Opens an existing CA. The directory, its {@code private/} folder and the intermediate key
     * must be owner-only, and the key must match the intermediate certificate.
     */
    public static CertificateAuthority open(Path dir, char[] intermediatePassphrase, Clock clock) throws CryptoException {
        CaLayout layout = new CaLayout(dir);
        if (!Files.isDirectory(dir)) {
            throw new CryptoException(CryptoErrorCode.NOT_FOUND, "no CA at " + dir + " (create one with `stoq ca init --ca-dir " + dir + "`)");
        }
        SecureFiles.requireOwnerOnly(dir);
        SecureFiles.requireOwnerOnly(layout.privateDir());
        Properties props = readProperties(layout.properties());
        X509Certificate root = PemFiles.readCertificate(layout.rootCert());
        X509Certificate intermediate = PemFiles.readCertificate(layout.intermediateCert());
        SigningKey key = new SigningKey(SignatureAlgorithm.FALCON_512,
                PemFiles.readPrivateKey(layout.intermediateKey(), intermediatePassphrase), intermediate.getPublicKey());
        byte[] probe = "stoq ca key check".getBytes(StandardCharsets.US_ASCII);
        if (!key.verifyingKey().verify(probe, key.sign(probe))) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    layout.intermediateKey() + " does not match " + layout.intermediateCert());
        }
        return new CertificateAuthority(layout, props.getProperty("network", "stoq"), root, intermediate, key, clock);
    }

    public String network() {
        return network;
    }

    public X509Certificate root() {
        return root;
    }

    public X509Certificate intermediate() {
        return intermediate;
    }

    public Path directory() {
        return layout.dir();
    }

    /**
     * Verifies {@code csr} and issues a node certificate valid for {@code validity} (capped by the
     * intermediate's own expiry). Returns the chain to install on the node: node certificate,
     * then intermediate.
     */
    public List<X509Certificate> issue(PKCS10CertificationRequest csr, Duration validity) throws CryptoException {
        if (validity.isNegative() || validity.isZero() || validity.compareTo(MAX_NODE_VALIDITY) > 0) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    "node certificate validity must be between 1 second and " + MAX_NODE_VALIDITY.toDays() + " days, got " + validity);
        }
        NodeCsr.Verified request = NodeCsr.verify(csr);
        try (DirectoryLock ignored = lock()) {
            Instant notBefore = clock.instant().minus(BACKDATE);
            Instant notAfter = clock.instant().plus(validity);
            Instant caExpiry = intermediate.getNotAfter().toInstant();
            if (notAfter.isAfter(caExpiry)) {
                notAfter = caExpiry;
            }
            BigInteger serial = CertificateIssuer.randomSerial();
            X509Certificate node = CertificateIssuer.node(intermediateKey, intermediate, request, serial, notBefore, notAfter);
            PemFiles.writeCertificates(layout.issued(serial), List.of(node));
            return List.of(node, intermediate);
        }
    }

    /** Revokes an issued certificate and re-signs the CRL. */
    public void revoke(BigInteger serial, CertificateIssuer.RevocationReason reason) throws CryptoException {
        try (DirectoryLock ignored = lock()) {
            if (!Files.exists(layout.issued(serial))) {
                throw new CryptoException(CryptoErrorCode.NOT_FOUND, "this CA never issued a certificate with serial " + serial.toString(16));
            }
            Properties revoked = readProperties(layout.revoked());
            if (revoked.containsKey(serial.toString(16))) {
                throw new CryptoException(CryptoErrorCode.ALREADY_EXISTS, "certificate " + serial.toString(16) + " is already revoked");
            }
            revoked.setProperty(serial.toString(16), clock.instant().getEpochSecond() + "," + reason.name());
            writeProperties(layout.revoked(), revoked);
            signCrl();
        }
    }

    /** Every revoked serial with when and why. */
    public Map<BigInteger, CertificateIssuer.Revocation> revocations() throws CryptoException {
        Map<BigInteger, CertificateIssuer.Revocation> out = new TreeMap<>();
        Properties revoked = readProperties(layout.revoked());
        for (String serial : revoked.stringPropertyNames()) {
            String[] parts = revoked.getProperty(serial).split(",", 2);
            try {
                out.put(new BigInteger(serial, 16), new CertificateIssuer.Revocation(
                        Instant.ofEpochSecond(Long.parseLong(parts[0])), CertificateIssuer.RevocationReason.valueOf(parts[1])));
            } catch (RuntimeException e) {
                throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                        layout.revoked() + " has a corrupt entry for " + serial + ": " + revoked.getProperty(serial), e);
            }
        }
        return out;
    }

    /** Lists every issued certificate, newest expiry first, with its status now. */
    public List<IssuedCertificate> list() throws CryptoException {
        Map<BigInteger, CertificateIssuer.Revocation> revoked = revocations();
        Instant now = clock.instant();
        List<IssuedCertificate> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(layout.issuedDir(), "*.crt.pem")) {
            for (Path file : files) {
                X509Certificate cert = PemFiles.readCertificate(file);
                NodeClaims claims = NodeIdentityExtension.from(cert);
                CertificateIssuer.Revocation revocation = revoked.get(cert.getSerialNumber());
                IssuedCertificate.Status status = revocation != null ? IssuedCertificate.Status.REVOKED
                        : cert.getNotAfter().toInstant().isBefore(now) ? IssuedCertificate.Status.EXPIRED
                        : IssuedCertificate.Status.VALID;
                out.add(new IssuedCertificate(cert.getSerialNumber(), claims.nodeId(), claims.zone(), claims.roles(),
                        cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), status, revocation));
            }
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot list " + layout.issuedDir() + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(IssuedCertificate::notAfter).reversed().thenComparing(IssuedCertificate::serial));
        return out;
    }

    /** Signs a fresh CRL (next CRL number, valid for the configured period) and writes {@code crl.pem}. */
    public X509CRL crl() throws CryptoException {
        try (DirectoryLock ignored = lock()) {
            return signCrl();
        }
    }

    /** Where the current CRL is written. */
    public Path crlFile() {
        return layout.crl();
    }

    private X509CRL signCrl() throws CryptoException {
        Properties props = readProperties(layout.properties());
        long number = Long.parseLong(props.getProperty("crl.number", "0")) + 1;
        Duration validity = Duration.ofSeconds(Long.parseLong(props.getProperty("crl.validity.seconds", "604800")));
        Instant now = clock.instant();
        X509CRL crl = CertificateIssuer.crl(intermediateKey, intermediate, revocations(), number, now.minus(BACKDATE), now.plus(validity));
        props.setProperty("crl.number", Long.toString(number));
        writeProperties(layout.properties(), props);
        PemFiles.writeCrl(layout.crl(), crl);
        return crl;
    }

    private DirectoryLock lock() throws CryptoException {
        try {
            FileChannel channel = FileChannel.open(layout.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                throw new CryptoException(CryptoErrorCode.IO_ERROR, "another stoq ca command is using " + layout.dir() + "; try again");
            }
            return new DirectoryLock(layout.lock(), channel);
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot lock " + layout.lock() + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws CryptoException {
        try (var entries = Files.list(dir)) {
            return Files.isDirectory(dir) && entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Properties readProperties(Path file) throws CryptoException {
        Properties props = new Properties();
        try {
            props.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            return props;
        } catch (NoSuchFileException e) {
            throw new CryptoException(CryptoErrorCode.NOT_FOUND, file + " is missing: the CA directory is incomplete");
        } catch (IOException | IllegalArgumentException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeProperties(Path file, Properties props) throws CryptoException {
        StringWriter out = new StringWriter();
        try {
            props.store(out, "stoq CA state; written by stoq, do not edit");
        } catch (IOException e) {
            throw new IllegalStateException("writing properties to memory cannot fail", e);
        }
        SecureFiles.writePrivate(file, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** An exclusive lock on the CA directory; closing the channel releases it. */
    private record DirectoryLock(Path file, FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws CryptoException {
            try {
                channel.close();
            } catch (IOException e) {
                throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot release the lock " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
