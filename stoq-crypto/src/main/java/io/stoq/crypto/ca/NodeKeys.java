package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.bouncycastle.jcajce.interfaces.SLHDSAPrivateKey;

/**
 * The four key pairs a node owns: Falcon-512 (its identity, certified by the CA), a classical
 * ECDSA P-256 key for QUIC's TLS (BoringSSL cannot use Falcon; the Falcon certificate carries this
 * key's hash), ML-KEM-768 (data-key epochs are wrapped to it) and SLH-DSA-SHA2-128F (it signs the
 * node's asset manifests, one signature per batch; the certificate carries its hash too).
 *
 * <p>On disk, in a node key directory (0700): {@code falcon.key.pem}, {@code tls.key.pem},
 * {@code kem.key.pem}, {@code slhdsa.key.pem} (0600, PKCS#8, encrypted when a passphrase is given)
 * and the matching {@code *.pub.pem} (SPKI). Directories made before nodes had an SLH-DSA key lack
 * the last pair: {@link #load} refuses them with what to do, and {@link #addSlhDsaKey} adds it.
 */
public record NodeKeys(SigningKey falcon, KeyPair tls, KeyPair kem, SigningKey slhDsa) {
    public static final String FALCON_KEY = "falcon.key.pem";
    public static final String FALCON_PUB = "falcon.pub.pem";
    public static final String TLS_KEY = "tls.key.pem";
    public static final String TLS_PUB = "tls.pub.pem";
    public static final String KEM_KEY = "kem.key.pem";
    public static final String KEM_PUB = "kem.pub.pem";
    public static final String SLH_DSA_KEY = "slhdsa.key.pem";
    public static final String SLH_DSA_PUB = "slhdsa.pub.pem";
    private static final KemAlgorithm KEM = KemAlgorithm.ML_KEM_768;
    /** The manifest signature suite: hash-based, so its security rests on SHA-2 alone (DESIGN section 3). */
    public static final SignatureAlgorithm SLH_DSA = SignatureAlgorithm.SLH_DSA_SHA2_128F;

    /** Generates fresh keys (Falcon key generation takes ~30 ms). */
    public static NodeKeys generate() throws CryptoException {
        try {
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp256r1"), SecureRandoms.get());
            return new NodeKeys(SigningKey.generate(SignatureAlgorithm.FALCON_512), ec.generateKeyPair(), KEM.generateKeyPair(),
                    SigningKey.generate(SLH_DSA));
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.PROVIDER_FAILURE, "cannot generate the TLS key: " + e.getMessage(), e);
        }
    }

    /** Writes all eight files into {@code dir}, refusing to overwrite existing keys. */
    public void write(Path dir, char[] passphrase) throws CryptoException {
        SecureFiles.createPrivateDirectory(dir);
        for (String name : new String[] {FALCON_KEY, TLS_KEY, KEM_KEY, SLH_DSA_KEY}) {
            if (Files.exists(dir.resolve(name))) {
                throw new CryptoException(CryptoErrorCode.ALREADY_EXISTS,
                        dir.resolve(name) + " already exists; refusing to overwrite a node key (use another --out)");
            }
        }
        PemFiles.writePrivateKey(dir.resolve(FALCON_KEY), falcon.privateKey(), passphrase);
        PemFiles.writePublicKey(dir.resolve(FALCON_PUB), falcon.publicKey());
        PemFiles.writePrivateKey(dir.resolve(TLS_KEY), tls.getPrivate(), passphrase);
        PemFiles.writePublicKey(dir.resolve(TLS_PUB), tls.getPublic());
        PemFiles.writePrivateKey(dir.resolve(KEM_KEY), kem.getPrivate(), passphrase);
        PemFiles.writePublicKey(dir.resolve(KEM_PUB), kem.getPublic());
        PemFiles.writePrivateKey(dir.resolve(SLH_DSA_KEY), slhDsa.privateKey(), passphrase);
        PemFiles.writePublicKey(dir.resolve(SLH_DSA_PUB), slhDsa.publicKey());
    }

    /** True when {@code dir} holds an SLH-DSA key (directories made by older versions do not). */
    public static boolean hasSlhDsaKey(Path dir) {
        return Files.exists(dir.resolve(SLH_DSA_KEY));
    }

    /**
     * Adds a new SLH-DSA key to a key directory made before nodes had one, encrypted with the same
     * passphrase as the others (checked first on the Falcon key, so a mistyped passphrase cannot
     * leave the new key under another one). Refuses when the directory already has one. The node
     * then needs a new certificate binding it ({@code stoq node csr}).
     */
    public static SigningKey addSlhDsaKey(Path dir, char[] passphrase) throws CryptoException {
        SecureFiles.requireOwnerOnly(dir);
        if (hasSlhDsaKey(dir)) {
            throw new CryptoException(CryptoErrorCode.ALREADY_EXISTS,
                    dir.resolve(SLH_DSA_KEY) + " already exists; refusing to overwrite a node key");
        }
        PemFiles.readPrivateKey(dir.resolve(FALCON_KEY), passphrase);
        SigningKey key = SigningKey.generate(SLH_DSA);
        PemFiles.writePrivateKey(dir.resolve(SLH_DSA_KEY), key.privateKey(), passphrase);
        PemFiles.writePublicKey(dir.resolve(SLH_DSA_PUB), key.publicKey());
        return key;
    }

    /**
     * Loads and cross-checks the keys in {@code dir}: each private key must match its public file.
     * A directory without the SLH-DSA key fails with {@link CryptoErrorCode#NOT_FOUND}, naming the
     * way out.
     */
    public static NodeKeys load(Path dir, char[] passphrase) throws CryptoException {
        SecureFiles.requireOwnerOnly(dir);
        if (!hasSlhDsaKey(dir) && Files.exists(dir.resolve(FALCON_KEY))) {
            throw new CryptoException(CryptoErrorCode.NOT_FOUND, "node key directory " + dir + " has no SLH-DSA manifest key ("
                    + SLH_DSA_KEY + "): it was made by an older stoq. Add one with `stoq node keygen --out " + dir
                    + " --add-missing`, then `stoq node csr` and have the CA issue a new certificate");
        }
        SigningKey falcon = new SigningKey(SignatureAlgorithm.FALCON_512,
                PemFiles.readPrivateKey(dir.resolve(FALCON_KEY), passphrase), PemFiles.readPublicKey(dir.resolve(FALCON_PUB)));
        KeyPair tls = new KeyPair(PemFiles.readPublicKey(dir.resolve(TLS_PUB)), PemFiles.readPrivateKey(dir.resolve(TLS_KEY), passphrase));
        KeyPair kem = new KeyPair(PemFiles.readPublicKey(dir.resolve(KEM_PUB)), PemFiles.readPrivateKey(dir.resolve(KEM_KEY), passphrase));
        PublicKey slhDsaPub = PemFiles.readPublicKey(dir.resolve(SLH_DSA_PUB));
        if (SignatureAlgorithm.of(slhDsaPub) != SLH_DSA) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, dir.resolve(SLH_DSA_PUB) + " is not an " + SLH_DSA.id() + " key");
        }
        SigningKey slhDsa = new SigningKey(SLH_DSA, PemFiles.readPrivateKey(dir.resolve(SLH_DSA_KEY), passphrase), slhDsaPub);
        NodeKeys keys = new NodeKeys(falcon, tls, kem, slhDsa);
        keys.checkPairs(dir);
        return keys;
    }

    private void checkPairs(Path dir) throws CryptoException {
        byte[] probe = "stoq key pair check".getBytes(StandardCharsets.US_ASCII);
        if (!falcon.verifyingKey().verify(probe, falcon.sign(probe))) {
            throw mismatch(dir, FALCON_KEY, FALCON_PUB);
        }
        try {
            Signature ecdsa = Signature.getInstance("SHA256withECDSA");
            ecdsa.initSign(tls.getPrivate());
            ecdsa.update(probe);
            byte[] sig = ecdsa.sign();
            ecdsa.initVerify(tls.getPublic());
            ecdsa.update(probe);
            if (!ecdsa.verify(sig)) {
                throw mismatch(dir, TLS_KEY, TLS_PUB);
            }
        } catch (GeneralSecurityException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, dir.resolve(TLS_KEY) + " is not an EC P-256 key pair", e);
        }
        KemAlgorithm.Encapsulation enc = KemAlgorithm.of(kem.getPublic()).encapsulate(kem.getPublic());
        if (!Arrays.equals(enc.secret(), KemAlgorithm.of(kem.getPublic()).decapsulate(kem.getPrivate(), enc.ciphertext()))) {
            throw mismatch(dir, KEM_KEY, KEM_PUB);
        }
        // An SLH-DSA private key holds its public key (PK.seed, PK.root): comparing them is exact
        // and spares the ~36 ms a probe signature costs.
        if (!(slhDsa.privateKey() instanceof SLHDSAPrivateKey priv)
                || !Arrays.equals(priv.getPublicKey().getEncoded(), slhDsa.publicKey().getEncoded())) {
            throw mismatch(dir, SLH_DSA_KEY, SLH_DSA_PUB);
        }
    }

    private static CryptoException mismatch(Path dir, String key, String pub) {
        return new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                dir.resolve(key) + " does not belong to " + dir.resolve(pub) + ": the key directory was mixed up");
    }
}
