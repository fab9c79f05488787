package io.stoq.node.cli.shard;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * The keys the shard CLI uses, in one owner-only directory: an SLH-DSA-SHA2-128F key that signs
 * manifests and an ML-KEM-768 key the asset keys are wrapped to. In a node these are the node's
 * and the network's keys; by hand, {@code encode} makes them on first use.
 * <pre>
 *   signing.key.pem  signing.pub.pem  kem.key.pem  kem.pub.pem
 * </pre>
 */
final class ShardKeyFiles {
    private final Path dir;

    ShardKeyFiles(Path dir) {
        this.dir = dir;
    }

    /** Default key directory for a shard directory: a sibling named {@code <dir>.keys}. */
    static Path defaultFor(Path shardDir) {
        Path abs = shardDir.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".keys");
    }

    Path dir() {
        return dir;
    }

    boolean exists() {
        return Files.isRegularFile(dir.resolve("signing.key.pem"));
    }

    /** Creates a new key set; refuses to overwrite one. */
    void create() throws CryptoException, ShardException {
        if (exists()) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, dir + " already holds shard keys");
        }
        SecureFiles.createPrivateDirectory(dir);
        SigningKey signer = SigningKey.generate(SignatureAlgorithm.SLH_DSA_SHA2_128F);
        PemFiles.writePrivateKey(dir.resolve("signing.key.pem"), signer.privateKey(), null);
        PemFiles.writePublicKey(dir.resolve("signing.pub.pem"), signer.publicKey());
        KeyPair kem = KemAlgorithm.ML_KEM_768.generateKeyPair();
        PemFiles.writePrivateKey(dir.resolve("kem.key.pem"), kem.getPrivate(), null);
        PemFiles.writePublicKey(dir.resolve("kem.pub.pem"), kem.getPublic());
    }

    SigningKey signer() throws CryptoException, ShardException {
        requireExists("signing.key.pem");
        PrivateKey priv = PemFiles.readPrivateKey(dir.resolve("signing.key.pem"), null);
        PublicKey pub = PemFiles.readPublicKey(dir.resolve("signing.pub.pem"));
        return new SigningKey(SignatureAlgorithm.of(pub), priv, pub);
    }

    VerifyingKey trustedSigner() throws CryptoException, ShardException {
        requireExists("signing.pub.pem");
        return publicKey(dir.resolve("signing.pub.pem"));
    }

    /** A signer's public key from a PEM file, e.g. a node's {@code slhdsa.pub.pem}. */
    static VerifyingKey publicKey(Path file) throws CryptoException {
        PublicKey pub = PemFiles.readPublicKey(file);
        return new VerifyingKey(SignatureAlgorithm.of(pub), pub);
    }

    PublicKey kemPublic() throws CryptoException, ShardException {
        requireExists("kem.pub.pem");
        return PemFiles.readPublicKey(dir.resolve("kem.pub.pem"));
    }

    PrivateKey kemPrivate() throws CryptoException, ShardException {
        requireExists("kem.key.pem");
        return PemFiles.readPrivateKey(dir.resolve("kem.key.pem"), null);
    }

    private void requireExists(String file) throws ShardException {
        if (!Files.isRegularFile(dir.resolve(file))) {
            throw new ShardException(ShardErrorCode.WRONG_KEY, "no " + file + " in " + dir
                    + " (give the directory encode used with --keys)");
        }
    }
}
