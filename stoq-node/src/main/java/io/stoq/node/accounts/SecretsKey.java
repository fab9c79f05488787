package io.stoq.node.accounts;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The node's at-rest encryption key for secrets kept in the node database (TOTP secrets): 32
 * random bytes in {@code DATA/node/secrets.key}, mode 0600, used with AES-256-GCM.
 *
 * <p>Why a separate file and not a key inside the database: a copy of {@code node-db} (a backup, a
 * stolen disk image of one directory) then holds only ciphertext. The database records a
 * fingerprint of the key, so a missing or swapped file is refused at start with a clear message
 * instead of failing later on the first TOTP check.
 *
 * <p>Immutable; the key bytes never leave this class.
 */
public final class SecretsKey {
    /** File name under {@code DATA/node/}. */
    public static final String FILE = "secrets.key";
    private static final byte[] FINGERPRINT_LABEL = "stoq secrets.key fingerprint v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] key;

    private SecretsKey(byte[] key) {
        this.key = key;
    }

    /** The key file path inside a data directory. */
    public static Path path(Path dataDir) {
        return dataDir.resolve("node").resolve(FILE);
    }

    /**
     * Loads {@code DATA/node/secrets.key}, creating it when {@code mayCreate} and it is absent.
     * Fails when the file is missing (and may not be created), has the wrong length or loose
     * permissions.
     */
    public static SecretsKey loadOrCreate(Path dataDir, boolean mayCreate) throws NodeException {
        Path file = path(dataDir);
        try {
            if (!Files.exists(file)) {
                if (!mayCreate) {
                    throw new NodeException(NodeErrorCode.CORRUPT_DATA, file + " is missing but the node database "
                            + "already holds data encrypted with it; restore the file from backup");
                }
                SecureFiles.createPrivateDirectory(file.getParent());
                byte[] fresh = AesGcm.newKey();
                SecureFiles.writePrivate(file, fresh);
                return new SecretsKey(fresh);
            }
            SecureFiles.requireOwnerOnly(file);
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length != AesGcm.KEY_LENGTH) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, file + " is corrupt: " + bytes.length
                        + " bytes, expected " + AesGcm.KEY_LENGTH);
            }
            return new SecretsKey(bytes);
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, e.getMessage(), e);
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** A key that exists only in memory (tests, tools); never for a node. */
    static SecretsKey ofBytes(byte[] key) {
        return new SecretsKey(key.clone());
    }

    /** SHA3-256 of a label and the key: safe to store beside the ciphertexts it identifies. */
    byte[] fingerprint() {
        return Sha3.hash(FINGERPRINT_LABEL, key).toBytes();
    }

    byte[] seal(byte[] aad, byte[] plaintext) throws CryptoException {
        return AesGcm.seal(key, aad, plaintext);
    }

    byte[] open(byte[] aad, byte[] sealed) throws CryptoException {
        return AesGcm.open(key, aad, sealed);
    }

    @Override
    public String toString() {
        return "SecretsKey[redacted]";
    }
}
