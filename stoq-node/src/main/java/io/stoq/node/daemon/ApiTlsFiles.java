package io.stoq.node.daemon;

import io.stoq.crypto.StoqProviders;
import io.stoq.fragmint.http.TlsIdentity;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the API's TLS certificate chain and private key from the PEM files an operator configures
 * ({@code api.tls.certificate}, {@code api.tls.private-key}): what certbot, openssl or a corporate
 * CA hand out. The chain may carry intermediates after the server certificate (and text between
 * blocks); the key may be PKCS#8 ({@code PRIVATE KEY}) or the traditional {@code RSA PRIVATE KEY}
 * / {@code EC PRIVATE KEY}, unencrypted. Refused, with the file named: a missing or unreadable
 * file, no certificate, an expired or not yet valid certificate, an encrypted key, a key that is
 * not the certificate's.
 *
 * <p>Keys and certificates come out as the JDK's own objects, which both the JDK's TLS (TCP) and
 * BoringSSL (QUIC, through their encodings) take.
 */
public final class ApiTlsFiles {
    private static final Logger LOG = LoggerFactory.getLogger(ApiTlsFiles.class);

    private ApiTlsFiles() {}

    /** Loads and checks the pair; {@code now} decides validity. */
    public static TlsIdentity load(Path certificateFile, Path keyFile, Instant now) throws NodeException {
        List<X509Certificate> chain = readChain(certificateFile);
        X509Certificate leaf = chain.get(0);
        if (now.isAfter(leaf.getNotAfter().toInstant()) || now.isBefore(leaf.getNotBefore().toInstant())) {
            throw bad(certificateFile + " is valid only from " + leaf.getNotBefore().toInstant() + " to "
                    + leaf.getNotAfter().toInstant() + " (api.tls.certificate)");
        }
        PrivateKey key = readKey(keyFile);
        requireMatch(key, leaf, certificateFile, keyFile);
        warnIfShared(keyFile);
        return new TlsIdentity(key, chain);
    }

    static List<X509Certificate> readChain(Path file) throws NodeException {
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            for (Object o; (o = pem.readObject()) != null; ) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(h.getEncoded())));
                }
            }
        } catch (NoSuchFileException e) {
            throw bad("TLS certificate " + file + " does not exist (api.tls.certificate)");
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw bad("TLS certificate " + file + " is not a PEM certificate chain: " + oneLine(e));
        }
        if (chain.isEmpty()) {
            throw bad("TLS certificate " + file + " holds no CERTIFICATE block (api.tls.certificate)");
        }
        return chain;
    }

    static PrivateKey readKey(Path file) throws NodeException {
        Object o;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            do {
                o = pem.readObject();
            } while (o != null && !(o instanceof PEMKeyPair || o instanceof PrivateKeyInfo
                    || o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo));
        } catch (NoSuchFileException e) {
            throw bad("TLS private key " + file + " does not exist (api.tls.private-key)");
        } catch (IOException | RuntimeException e) {
            throw bad("TLS private key " + file + " is not a PEM private key: " + oneLine(e));
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw bad("TLS private key " + file + " is encrypted; give the node an unencrypted key file readable "
                    + "only by it (openssl pkey -in KEY -out plain.pem)");
        }
        if (o == null) {
            throw bad("TLS private key " + file + " holds no private key (api.tls.private-key)");
        }
        PrivateKeyInfo info = o instanceof PEMKeyPair kp ? kp.getPrivateKeyInfo() : (PrivateKeyInfo) o;
        String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
        String algorithm = switch (oid) {
            case "1.2.840.10045.2.1" -> "EC";
            case "1.2.840.113549.1.1.1" -> "RSA";
            case "1.3.101.112" -> "Ed25519";
            default -> throw bad("TLS private key " + file + " uses algorithm " + oid
                    + "; use an EC (P-256, P-384), RSA or Ed25519 key");
        };
        try {
            // BouncyCastle reads every PEM flavour (a traditional EC key keeps its curve inside the
            // key, where the JDK does not look); its PKCS#8 encoding is what the JDK's factory takes.
            PrivateKey parsed = new JcaPEMKeyConverter().setProvider(StoqProviders.bc()).getPrivateKey(info);
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(parsed.getEncoded()));
        } catch (IOException | GeneralSecurityException e) {
            throw bad("TLS private key " + file + " cannot be used: " + oneLine(e));
        }
    }

    /** Signs a probe with the key and verifies it with the certificate: they must be a pair. */
    private static void requireMatch(PrivateKey key, X509Certificate leaf, Path certificateFile, Path keyFile)
            throws NodeException {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> "Ed25519";
        };
        try {
            byte[] probe = "stoq api tls key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] sig = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(leaf.getPublicKey());
            verify.update(probe);
            if (verify.verify(sig)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            LOG.debug("key check: {}", e.toString());
        }
        throw bad("TLS private key " + keyFile + " does not belong to the first certificate in " + certificateFile
                + " (api.tls.private-key, api.tls.certificate)");
    }

    private static void warnIfShared(Path keyFile) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(keyFile);
            if (p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warn("TLS private key {} is readable by group or others; make it 0600", keyFile);
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot check the permissions of {}: {}", keyFile, e.toString());
        }
    }

    /** Expiry of the leaf, for logs. */
    static Date expiry(TlsIdentity id) {
        return id.chain().get(0).getNotAfter();
    }

    private static NodeException bad(String message) {
        return new NodeException(NodeErrorCode.BAD_CONFIG, message);
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ");
    }
}
