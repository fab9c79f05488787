package io.stoq.node.ledger;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Custodial ledger signing keys of API accounts: one ML-DSA-65 key pair per account, created on
 * first use, kept as {@code DATA/accounts/acct-<id>.key.pem} (mode 0600) and
 * {@code acct-<id>.pub.pem}.
 *
 * <p>Why custodial: API clients authenticate with bearer keys, not ledger keys, yet every ledger
 * tx must be signed by an account key. The node therefore holds each account's key and signs on
 * the account's behalf after the API has authorised the call. Whoever controls the node's data
 * directory can sign as any account; docs/node.md says so. ML-DSA-65 because it signs ~25x faster
 * than Falcon-512 and every write signs one tx.
 */
public final class CustodialKeys {
    private static final Pattern ID = Pattern.compile("[a-z0-9._-]{1,64}");
    private static final String PREFIX = "acct-";

    private final Path dir;
    private final Map<String, SigningKey> byAccount = new ConcurrentHashMap<>();
    private final Map<Hash256, String> byLedgerId = new ConcurrentHashMap<>();

    private CustodialKeys(Path dir) {
        this.dir = dir;
    }

    /** Opens the key directory (creating it 0700) and indexes every existing public key. */
    public static CustodialKeys open(Path dir) throws NodeException {
        try {
            if (!Files.exists(dir)) {
                SecureFiles.createPrivateDirectory(dir);
            }
            CustodialKeys keys = new CustodialKeys(dir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*.pub.pem")) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    String id = name.substring(PREFIX.length(), name.length() - ".pub.pem".length());
                    PublicKey pub = PemFiles.readPublicKey(f);
                    keys.byLedgerId.put(io.stoq.crypto.hash.Sha3.hash(pub.getEncoded()), id);
                }
            }
            return keys;
        } catch (IOException | CryptoException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot open account keys in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The account's signing key, created and stored durably on first use. */
    public SigningKey keyOf(String accountId) throws NodeException {
        if (!ID.matcher(accountId).matches()) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "invalid account id '" + accountId + "'");
        }
        SigningKey cached = byAccount.get(accountId);
        if (cached != null) {
            return cached;
        }
        synchronized (this) {
            cached = byAccount.get(accountId);
            if (cached != null) {
                return cached;
            }
            SigningKey key = load(PREFIX + accountId);
            byAccount.put(accountId, key);
            byLedgerId.put(ledgerId(key), accountId);
            return key;
        }
    }

    private synchronized SigningKey load(String base) throws NodeException {
            Path priv = dir.resolve(base + ".key.pem");
            Path pub = dir.resolve(base + ".pub.pem");
            try {
                SigningKey key;
                if (Files.exists(pub) && Files.exists(priv)) {
                    PrivateKey p = PemFiles.readPrivateKey(priv, null);
                    PublicKey q = PemFiles.readPublicKey(pub);
                    key = new SigningKey(SignatureAlgorithm.of(q), p, q);
                } else {
                    key = SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
                    // private first: a public file without its private key would be unusable
                    PemFiles.writePrivateKey(priv, key.privateKey(), null);
                    PemFiles.writePublicKey(pub, key.publicKey());
                }
                return key;
            } catch (CryptoException e) {
                throw new NodeException(NodeErrorCode.IO_ERROR, "cannot load or create the ledger key "
                        + base + ": " + e.getMessage(), e);
            }
    }

    /**
     * The node operator's ledger key ({@code operator.key.pem}): the genesis admin that registers
     * accounts and the node. Not an API account (the file name has no {@code acct-} prefix).
     */
    public SigningKey operatorKey() throws NodeException {
        return load("operator");
    }

    /** The ledger account id (SHA3-256 of the SPKI) of an API account, creating its key if needed. */
    public Hash256 ledgerIdOf(String accountId) throws NodeException {
        return ledgerId(keyOf(accountId));
    }

    /** The API account that owns a ledger account id, if it is one of ours. */
    public Optional<String> accountOf(Hash256 ledgerId) {
        return Optional.ofNullable(byLedgerId.get(ledgerId));
    }

    static Hash256 ledgerId(SigningKey key) {
        return io.stoq.crypto.hash.Sha3.hash(key.publicKey().getEncoded());
    }
}
