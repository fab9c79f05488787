package io.stoq.crypto.keys;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM files in the standard formats every tool understands: private keys as PKCS#8 ("PRIVATE KEY",
 * or "ENCRYPTED PRIVATE KEY" with PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC when a passphrase is
 * given), public keys as SubjectPublicKeyInfo ("PUBLIC KEY"), certificates, CSRs and CRLs.
 *
 * <p>Private keys are written owner-only (0600) and atomically. Every read failure is a
 * {@link CryptoException} naming the file and what was wrong with it.
 */
public final class PemFiles {
    static final String PRIVATE_KEY = "PRIVATE KEY";
    static final String ENCRYPTED_PRIVATE_KEY = "ENCRYPTED PRIVATE KEY";
    static final String PUBLIC_KEY = "PUBLIC KEY";
    static final String CERTIFICATE = "CERTIFICATE";
    static final String CSR = "CERTIFICATE REQUEST";
    static final String CRL = "X509 CRL";
    /** PBKDF2 rounds for passphrase-protected keys: ~0.1 s per open, a real cost per guess. */
    private static final int PBKDF2_ITERATIONS = 200_000;

    private PemFiles() {}

    // ---- private keys ----------------------------------------------------------------------

    /** Writes a private key; encrypted when {@code passphrase} is non-null and non-empty. */
    public static void writePrivateKey(Path file, PrivateKey key, char[] passphrase) throws CryptoException {
        try {
            PemObject pem;
            if (passphrase != null && passphrase.length > 0) {
                var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                        .setPRF(PKCS8Generator.PRF_HMACSHA256)
                        .setIterationCount(PBKDF2_ITERATIONS)
                        .setPassword(passphrase)
                        .setProvider(StoqProviders.bc())
                        .build();
                pem = new JcaPKCS8Generator(key, encryptor).generate();
            } else {
                pem = new PemObject(PRIVATE_KEY, key.getEncoded());
            }
            SecureFiles.writePrivate(file, toText(pem).getBytes(StandardCharsets.US_ASCII));
        } catch (OperatorCreationException | IOException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot encode private key for " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a private key. An encrypted key needs the right {@code passphrase}; a missing or wrong
     * one is {@link CryptoErrorCode#BAD_PASSPHRASE}. The file must be owner-only.
     */
    public static PrivateKey readPrivateKey(Path file, char[] passphrase) throws CryptoException {
        SecureFiles.requireOwnerOnly(file);
        PemObject pem = single(file, readAll(file));
        PrivateKeyInfo info;
        switch (pem.getType()) {
            case PRIVATE_KEY -> info = parse(file, () -> PrivateKeyInfo.getInstance(pem.getContent()));
            case ENCRYPTED_PRIVATE_KEY -> {
                if (passphrase == null || passphrase.length == 0) {
                    throw new CryptoException(CryptoErrorCode.BAD_PASSPHRASE,
                            file + " is encrypted and no passphrase was given (use --passphrase-file or the STOQ_*_PASSPHRASE variable)");
                }
                PKCS8EncryptedPrivateKeyInfo encrypted = parse(file, () -> new PKCS8EncryptedPrivateKeyInfo(pem.getContent()));
                try {
                    info = encrypted.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder()
                            .setProvider(StoqProviders.bc()).build(passphrase));
                } catch (PKCSException | OperatorCreationException e) {
                    throw new CryptoException(CryptoErrorCode.BAD_PASSPHRASE, "wrong passphrase for " + file);
                }
            }
            default -> throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    file + " holds a " + pem.getType() + ", not a private key");
        }
        try {
            return new JcaPEMKeyConverter().setProvider(StoqProviders.bc()).getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " holds a private key stoq cannot use: " + e.getMessage(), e);
        }
    }

    // ---- public keys -----------------------------------------------------------------------

    public static void writePublicKey(Path file, PublicKey key) throws CryptoException {
        SecureFiles.writePublic(file, encode(PUBLIC_KEY, key.getEncoded()).getBytes(StandardCharsets.US_ASCII));
    }

    public static PublicKey readPublicKey(Path file) throws CryptoException {
        PemObject pem = single(file, readAll(file));
        if (!PUBLIC_KEY.equals(pem.getType())) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " holds a " + pem.getType() + ", not a PUBLIC KEY");
        }
        return publicKeyFromSpki(file.toString(), pem.getContent());
    }

    /** Decodes a DER SubjectPublicKeyInfo; {@code source} names it in errors. */
    public static PublicKey publicKeyFromSpki(String source, byte[] spki) throws CryptoException {
        try {
            return new JcaPEMKeyConverter().setProvider(StoqProviders.bc()).getPublicKey(SubjectPublicKeyInfo.getInstance(spki));
        } catch (IOException | RuntimeException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, source + " is not a valid public key: " + e.getMessage(), e);
        }
    }

    // ---- certificates, CSRs, CRLs ----------------------------------------------------------

    public static void writeCertificates(Path file, List<X509Certificate> chain) throws CryptoException {
        StringBuilder text = new StringBuilder();
        try {
            for (X509Certificate certificate : chain) {
                text.append(encode(CERTIFICATE, certificate.getEncoded()));
            }
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot encode certificate: " + e.getMessage(), e);
        }
        SecureFiles.writePublic(file, text.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads every certificate in a PEM file, in file order; at least one must be there. */
    public static List<X509Certificate> readCertificates(Path file) throws CryptoException {
        List<X509Certificate> out = new ArrayList<>();
        for (PemObject pem : readAll(file)) {
            if (!CERTIFICATE.equals(pem.getType())) {
                throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " holds a " + pem.getType() + " where a CERTIFICATE was expected");
            }
            out.add(certificateFromDer(file.toString(), pem.getContent()));
        }
        return out;
    }

    /** Reads a file that must hold exactly one certificate. */
    public static X509Certificate readCertificate(Path file) throws CryptoException {
        List<X509Certificate> all = readCertificates(file);
        if (all.size() != 1) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " holds " + all.size() + " certificates, expected one");
        }
        return all.get(0);
    }

    public static X509Certificate certificateFromDer(String source, byte[] der) throws CryptoException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509", StoqProviders.bc());
            return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, source + " is not a valid X.509 certificate: " + e.getMessage(), e);
        }
    }

    public static void writeCsr(Path file, PKCS10CertificationRequest csr) throws CryptoException {
        try {
            SecureFiles.writePublic(file, encode(CSR, csr.getEncoded()).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot encode CSR: " + e.getMessage(), e);
        }
    }

    public static PKCS10CertificationRequest readCsr(Path file) throws CryptoException {
        PemObject pem = single(file, readAll(file));
        if (!CSR.equals(pem.getType()) && !"NEW CERTIFICATE REQUEST".equals(pem.getType())) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " holds a " + pem.getType() + ", not a CERTIFICATE REQUEST");
        }
        return parse(file, () -> new PKCS10CertificationRequest(pem.getContent()));
    }

    public static void writeCrl(Path file, X509CRL crl) throws CryptoException {
        try {
            SecureFiles.writePublic(file, encode(CRL, crl.getEncoded()).getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot encode CRL: " + e.getMessage(), e);
        }
    }

    public static X509CRL readCrl(Path file) throws CryptoException {
        PemObject pem = single(file, readAll(file));
        if (!CRL.equals(pem.getType())) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " holds a " + pem.getType() + ", not an X509 CRL");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509", StoqProviders.bc());
            return (X509CRL) factory.generateCRL(new ByteArrayInputStream(pem.getContent()));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " is not a valid CRL: " + e.getMessage(), e);
        }
    }

    // ---- plumbing --------------------------------------------------------------------------

    /** One PEM block as text. */
    public static String encode(String type, byte[] der) {
        return toText(new PemObject(type, der));
    }

    private static String toText(PemObject pem) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(pem);
        } catch (IOException e) {
            throw new IllegalStateException("writing PEM to memory cannot fail", e);
        }
        return out.toString();
    }

    private static List<PemObject> readAll(Path file) throws CryptoException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new CryptoException(CryptoErrorCode.NOT_FOUND, file + " does not exist");
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot read " + file + ": " + e.getMessage(), e);
        }
        List<PemObject> blocks = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(text))) {
            for (PemObject pem; (pem = reader.readPemObject()) != null; ) {
                blocks.add(pem);
            }
        } catch (IOException | RuntimeException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " is not valid PEM: " + e.getMessage(), e);
        }
        if (blocks.isEmpty()) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " contains no PEM block");
        }
        return blocks;
    }

    private static PemObject single(Path file, List<PemObject> blocks) throws CryptoException {
        if (blocks.size() != 1) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " holds " + blocks.size() + " PEM blocks, expected one");
        }
        return blocks.get(0);
    }

    private interface Parser<T> {
        T parse() throws Exception;
    }

    private static <T> T parse(Path file, Parser<T> parser) throws CryptoException {
        try {
            return parser.parse();
        } catch (Exception e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, file + " holds malformed DER: " + e.getMessage(), e);
        }
    }
}
