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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>A key is made only for a genuinely new account. A missing key is an error, never replaced:
 * a fresh key would be a different ledger identity, and the account's assets and tokens would be
 * out of reach with no error anywhere. So: {@link #open} refuses a public key whose private key
 * is gone; {@link #keyOf} refuses an account whose key files were here at open; the ledger
 * service checks at start that every account its operator registered still has its key here
 * ({@link #requireKeysFor}), which catches both files lost while the node was down; and the
 * operator key itself is made only for a ledger that does not exist yet.
 */
public final class CustodialKeys {
    private static final Pattern ID = Pattern.compile("[a-z0-9._-]{1,64}");
    private static final String PREFIX = "acct-";

    private final Path dir;
    private final Map<String, SigningKey> byAccount = new ConcurrentHashMap<>();
    private final Map<Hash256, String> byLedgerId = new ConcurrentHashMap<>();
    /** Accounts whose key files exist or existed in this process: their key is never made again. */
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    /** Where custodial keys live when accounts are network state (ledger.mode=raft): the network's account records. */
    public interface Network {
        /** The account's custodial key from its network record, empty when the network has no such account. */
        Optional<SigningKey> custodialKey(String accountId) throws NodeException;

        /** The API account whose custodial key has ledger id {@code ledgerId}. */
        Optional<String> accountOf(Hash256 ledgerId);
    }

    /** Set once at start in network mode; null while accounts are node-local. */
    private volatile Network network;

    private CustodialKeys(Path dir) {
        this.dir = dir;
    }

    /**
     * From now on account keys come from the network's account records, not this directory
     * (which keeps the operator key, and the keys of accounts made before, read first).
     */
    public void useNetwork(Network n) {
        this.network = n;
    }

    /**
     * Opens the key directory (creating it 0700) and indexes every existing public key; refuses a
     * public key whose private key file is missing.
     */
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
                    if (!Files.exists(dir.resolve(PREFIX + id + ".key.pem"))) {
                        throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the private key of account '" + id + "' ("
                                + dir.resolve(PREFIX + id + ".key.pem") + ") is missing while its public key is there; restore it "
                                + "from a backup: a new key would be another ledger identity and the account's assets would be lost");
                    }
                    PublicKey pub = PemFiles.readPublicKey(f);
                    keys.byLedgerId.put(io.stoq.crypto.hash.Sha3.hash(pub.getEncoded()), id);
                    keys.known.add(id);
                }
            }
            return keys;
        } catch (IOException | CryptoException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot open account keys in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The account's signing key, created and stored durably on first use by a new account. An
     * account whose key was here before and is now missing is an error ({@code CORRUPT_DATA}).
     */
    public SigningKey keyOf(String accountId) throws NodeException {
        if (!ID.matcher(accountId).matches()) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "invalid account id '" + accountId + "'");
        }
        SigningKey cached = byAccount.get(accountId);
        if (cached != null) {
            return cached;
        }
        Network n = network;
        if (n != null && !known.contains(accountId)) {
            SigningKey key = n.custodialKey(accountId).orElseThrow(() -> new NodeException(NodeErrorCode.NOT_FOUND,
                    "account '" + accountId + "' is not an account of this network"));
            byAccount.put(accountId, key);
            byLedgerId.put(ledgerId(key), accountId);
            return key;
        }
        synchronized (this) {
            cached = byAccount.get(accountId);
            if (cached != null) {
                return cached;
            }
            SigningKey key = load(PREFIX + accountId, !known.contains(accountId));
            known.add(accountId);
            byAccount.put(accountId, key);
            byLedgerId.put(ledgerId(key), accountId);
            return key;
        }
    }

    private synchronized SigningKey load(String base, boolean mayCreate) throws NodeException {
        Path priv = dir.resolve(base + ".key.pem");
        Path pub = dir.resolve(base + ".pub.pem");
        try {
            if (Files.exists(pub) && Files.exists(priv)) {
                PrivateKey p = PemFiles.readPrivateKey(priv, null);
                PublicKey q = PemFiles.readPublicKey(pub);
                return new SigningKey(SignatureAlgorithm.of(q), p, q);
            }
            if (!mayCreate || Files.exists(pub)) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the ledger key " + (Files.exists(pub) ? priv : pub)
                        + " is missing; restore " + base + ".key.pem and " + base + ".pub.pem from a backup (a new key would be "
                        + "another ledger identity)");
            }
            SigningKey key = SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
            // private first: a public file without its private key is refused at open
            PemFiles.writePrivateKey(priv, key.privateKey(), null);
            PemFiles.writePublicKey(pub, key.publicKey());
            return key;
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot load or create the ledger key "
                    + base + ": " + e.getMessage(), e);
        }
    }

    /**
     * The node operator's ledger key ({@code operator.key.pem}): the genesis admin that registers
     * accounts and the node. Not an API account (the file name has no {@code acct-} prefix).
     *
     * @param mayCreate true only while the ledger does not exist yet: the operator of an existing
     *     ledger is fixed at genesis, so a missing file is an error
     */
    public SigningKey operatorKey(boolean mayCreate) throws NodeException {
        return load("operator", mayCreate);
    }

    /** Where the operator key lives, for messages. */
    public Path operatorKeyFile() {
        return dir.resolve("operator.key.pem");
    }

    /**
     * Fails ({@code CORRUPT_DATA}) unless every ledger account id in {@code ledgerIds} has its key
     * here. The ledger service passes the accounts its operator registered, i.e. the custodial
     * accounts: for any of them a missing key cannot be replaced.
     */
    public void requireKeysFor(java.util.Collection<Hash256> ledgerIds) throws NodeException {
        List<String> missing = new ArrayList<>();
        for (Hash256 id : ledgerIds) {
            if (accountOf(id).isEmpty()) { // here, or (network accounts) in an account record
                missing.add(id.toHex().substring(0, 16));
            }
        }
        if (!missing.isEmpty()) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the ledger has " + missing.size() + " custodial account(s) whose keys "
                    + "are missing from " + dir + " (ledger ids " + String.join(", ", missing.subList(0, Math.min(5, missing.size())))
                    + (missing.size() > 5 ? ", ..." : "") + "); restore the directory from a backup: new keys would be other identities");
        }
    }

    /** Whether this directory holds (or held, this process) the key files of {@code accountId}. */
    public boolean hasLocalKey(String accountId) {
        return known.contains(accountId);
    }

    /** The ledger account id (SHA3-256 of the SPKI) of an API account, creating its key if needed. */
    public Hash256 ledgerIdOf(String accountId) throws NodeException {
        return ledgerId(keyOf(accountId));
    }

    /** The API account that owns a ledger account id, if it is one of ours. */
    public Optional<String> accountOf(Hash256 ledgerId) {
        String local = byLedgerId.get(ledgerId);
        Network n = network;
        return local != null || n == null ? Optional.ofNullable(local) : n.accountOf(ledgerId);
    }

    static Hash256 ledgerId(SigningKey key) {
        return io.stoq.crypto.hash.Sha3.hash(key.publicKey().getEncoded());
    }
}
