package io.stoq.node.accounts;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.fragmint.port.Account;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.EnrollmentCode;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.StoredApiKey;
import io.stoq.fragmint.port.TotpAttempts;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.node.NodeException;
import io.stoq.node.NodeProblems;
import io.stoq.node.keys.EpochKeys;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.ledger.LedgerWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * API accounts as network state: every account's role, API key hashes, TOTP secret and custodial
 * ledger key live on the ledger as {@code ACCOUNT_RECORD} revisions ({@link AccountRecord}), so an
 * account made through one node, and its keys, work on every node of the network, and it signs as
 * the same ledger identity everywhere. Writes commit a new revision signed by the operator key
 * (the network's admin); a revision another node committed first ({@code STALE_VERSION}) is
 * re-read and the change applied again. Secrets are sealed to the key epoch.
 *
 * <p>Node-local, as before (the {@code local} store, which mirrors an account's existence only):
 * TOTP attempt counters and lockouts, used TOTP counters, and one-time enrollment codes. So a
 * TOTP code used on one node could be used once more on another within its period (docs/security.md).
 *
 * <p>Reads go to the applied ledger (a record is cached by revision). Thread-safe; writes of one
 * node are serialised.
 */
public final class NetworkAccountStore implements AccountStore, CustodialKeys.Network {
    private static final int MAX_TRIES = 4;

    private final LedgerWriter ledger;
    private final EpochKeys epochs;
    private final RocksAccountStore local;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, SigningKey> custodial = new ConcurrentHashMap<>();
    /** This node's local accounts are on the ledger (or there were none to move): see {@link #migrateLocal}. */
    private volatile boolean localMoved;
    /** Key id to account and ledger id to account, rebuilt when the ledger moved since the last build. */
    private volatile Directory directory = new Directory(-2, Map.of(), Map.of(), Map.of());

    private record Cached(long revision, AccountRecord record) {}

    private record Directory(long height, Map<String, String> byKeyId, Map<Hash256, String> byLedgerId, Map<String, String> byS3KeyId) {}

    public NetworkAccountStore(LedgerWriter ledger, EpochKeys epochs, RocksAccountStore local, Clock clock) {
        this.ledger = ledger;
        this.epochs = epochs;
        this.local = local;
        this.clock = clock;
    }

    /** The account's current record, empty when the network has none. */
    public Optional<AccountRecord> record(String id) throws NodeException {
        try {
            long revision = ledger.reader().state().accountRecordRevision(id);
            if (revision == 0) {
                return Optional.empty();
            }
            Cached c = cache.get(id);
            if (c != null && c.revision() == revision) {
                return Optional.of(c.record());
            }
            List<Hash256> txs = ledger.reader().store().indexed(Indexes.ACCOUNT_RECORDS, Indexes.accountSubject(id));
            for (int i = txs.size() - 1; i >= 0; i--) {
                StoredTx t = ledger.reader().store().tx(txs.get(i));
                if (t != null && t.tx().body() instanceof TxBody.AccountRecord r && r.accountId().equals(id) && r.revision() == revision) {
                    AccountRecord record = AccountRecord.decode(id, r.record());
                    cache.put(id, new Cached(revision, record));
                    return Optional.of(record);
                }
            }
            throw new NodeException(io.stoq.node.NodeErrorCode.CORRUPT_DATA, "the ledger names revision " + revision
                    + " of account " + id + " but holds no such record");
        } catch (LedgerException e) {
            throw new NodeException(io.stoq.node.NodeErrorCode.CORRUPT_DATA, "cannot read account " + id + " from the ledger: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Account> account(String id) throws ApiException {
        return read(id).map(r -> new Account(id, r.role(), r.displayName(), r.totpEnrolled(), r.createdAt()));
    }

    @Override
    public Page<Account> accounts(PageRequest page) throws ApiException {
        TreeMap<String, Account> all = new TreeMap<>();
        for (String id : ids()) {
            account(id).ifPresent(a -> all.put(id, a));
        }
        List<Account> out = new ArrayList<>();
        for (Account a : (page.cursor() == null ? all : all.tailMap(page.cursor(), false)).values()) {
            if (out.size() == page.limit()) {
                return new Page<>(out, out.get(out.size() - 1).id());
            }
            out.add(a);
        }
        return new Page<>(out, null);
    }

    @Override
    public Account create(String id, Role role, String displayName) throws ApiException {
        if (id == null || id.isEmpty()) {
            throw ApiException.badRequest("account id must not be empty");
        }
        if (read(id).isPresent()) {
            throw new ApiException(ApiError.CONFLICT, "account '" + id + "' exists");
        }
        try {
            SigningKey key = SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
            byte[] spki = key.publicKey().getEncoded();
            byte[] sealed = epochs.seal(key.privateKey().getEncoded(), context("custodial", id));
            AccountRecord r = new AccountRecord(role, displayName, clock.instant(), List.of(), new byte[0], spki, sealed);
            commit(id, 1, r);
            return new Account(id, role, displayName, false, r.createdAt());
        } catch (CryptoException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot make the ledger key of account " + id, e);
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        } catch (TxRejectedException e) {
            if (e.reason() == RejectReason.STALE_VERSION) {
                throw new ApiException(ApiError.CONFLICT, "account '" + id + "' exists");
            }
            throw NodeProblems.of(e);
        } catch (LedgerException e) {
            throw NodeProblems.of(e);
        }
    }

    @Override
    public Account setRole(String id, Role role) throws ApiException {
        AccountRecord r = update(id, a -> a.withRole(role));
        return new Account(id, r.role(), r.displayName(), r.totpEnrolled(), r.createdAt());
    }

    @Override
    public Optional<StoredApiKey> apiKey(String keyId) throws ApiException {
        String account = directory().byKeyId().get(keyId);
        if (account == null) {
            if (!localMoved && local.apiKey(keyId).isPresent()) {
                // a key of this node's own accounts, not on the ledger yet: "retry", not "revoked"
                throw new ApiException(ApiError.UNAVAILABLE, "this node is still moving its accounts onto the network ledger "
                        + "(it needs a Raft quorum); retry shortly");
            }
            return Optional.empty();
        }
        for (StoredApiKey k : apiKeys(account)) {
            if (k.keyId().equals(keyId)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    @Override
    public List<StoredApiKey> apiKeys(String accountId) throws ApiException {
        return read(accountId).map(AccountRecord::keys).orElse(List.of());
    }

    @Override
    public void addApiKey(StoredApiKey key) throws ApiException {
        if (directory().byKeyId().containsKey(key.keyId())) {
            throw new ApiException(ApiError.CONFLICT, "key id '" + key.keyId() + "' exists");
        }
        update(key.accountId(), a -> {
            List<StoredApiKey> keys = new ArrayList<>(a.keys());
            keys.add(key);
            return a.withKeys(keys);
        });
    }

    @Override
    public void revokeApiKey(String accountId, String keyId) throws ApiException {
        AccountRecord current = read(accountId).orElse(null);
        if (current == null || current.keys().stream().noneMatch(k -> k.keyId().equals(keyId))) {
            throw ApiException.notFound("key '" + keyId + "' of account '" + accountId + "'");
        }
        update(accountId, a -> {
            List<StoredApiKey> keys = new ArrayList<>();
            for (StoredApiKey k : a.keys()) {
                keys.add(k.keyId().equals(keyId) ? k.asRevoked() : k);
            }
            return a.withKeys(keys);
        });
    }

    @Override
    public Optional<TotpSecret> totpSecret(String accountId) throws ApiException {
        AccountRecord r = read(accountId).orElse(null);
        if (r == null || !r.totpEnrolled()) {
            return Optional.empty();
        }
        try {
            CanonicalReader in = new CanonicalReader(epochs.open(r.sealedTotp(), context("totp", accountId)), "TOTP secret");
            TotpSecret s = new TotpSecret(in.bytes("key", 256), in.string("algorithm", 32), in.u8("digits"), (int) in.u32("period"));
            in.finish();
            return Optional.of(s);
        } catch (NodeException | LedgerException e) {
            throw new ApiException(ApiError.INTERNAL, "the TOTP secret of account " + accountId + " cannot be opened on this node", e);
        }
    }

    @Override
    public void setTotpSecret(String accountId, TotpSecret secret) throws ApiException {
        byte[] plain = new CanonicalWriter().bytes(secret.key()).string(secret.algorithm()).u8(secret.digits()).u32(secret.periodSeconds())
                .toBytes();
        byte[] sealed;
        try {
            sealed = epochs.seal(plain, context("totp", accountId));
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        } finally {
            java.util.Arrays.fill(plain, (byte) 0);
        }
        update(accountId, a -> a.withTotp(sealed));
        // a new secret starts with no used counters and no failed attempts, as in the local store
        mirror(accountId);
        local.setTotpSecret(accountId, secret);
    }

    @Override
    public boolean markTotpCounterUsed(String accountId, long counter) throws ApiException {
        return local.markTotpCounterUsed(accountId, counter);
    }

    @Override
    public TotpAttempts totpAttempts(String accountId) throws ApiException {
        return local.totpAttempts(accountId);
    }

    @Override
    public TotpAttempts updateTotpAttempts(String accountId, UnaryOperator<TotpAttempts> change) throws ApiException {
        return local.updateTotpAttempts(accountId, change);
    }

    @Override
    public void setEnrollmentCode(String accountId, EnrollmentCode code) throws ApiException {
        mirror(accountId);
        local.setEnrollmentCode(accountId, code);
    }

    @Override
    public boolean consumeEnrollmentCode(String accountId, String codeHash, Instant now) throws ApiException {
        return local.consumeEnrollmentCode(accountId, codeHash, now);
    }

    // ---- migration ------------------------------------------------------------------------

    /** Marker in the data directory: this node's local accounts were moved onto the network ledger. */
    public static final String MIGRATED_MARKER = "accounts/network-accounts.migrated";

    /**
     * Moves the accounts of this node's local database (a data directory from before network
     * accounts) onto the ledger, once: role, display name, API key hashes, the TOTP secret and the
     * account's custodial key from {@code keys}' directory (so it keeps its ledger identity),
     * sealed to the current epoch. An account the network already has is left as the network has
     * it (logged). Then {@code dataDir/}{@value #MIGRATED_MARKER} is written; a start that dies
     * half way moves the rest next time. Returns how many accounts it moved.
     */
    public int migrateLocal(java.nio.file.Path dataDir, CustodialKeys keys) throws NodeException {
        java.nio.file.Path marker = dataDir.resolve(MIGRATED_MARKER);
        if (java.nio.file.Files.exists(marker)) {
            localMoved = true;
            return 0;
        }
        int moved = 0;
        try {
            String cursor = null;
            do {
                Page<Account> page = local.accounts(new PageRequest(cursor, 100));
                for (Account a : page.items()) {
                    if (record(a.id()).isPresent()) {
                        org.slf4j.LoggerFactory.getLogger(NetworkAccountStore.class).warn(
                                "local account {} is already a network account: the network's record is kept", a.id());
                        continue;
                    }
                    SigningKey key = keys.hasLocalKey(a.id()) ? keys.keyOf(a.id()) : SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
                    byte[] totp = new byte[0];
                    Optional<TotpSecret> secret = local.totpSecret(a.id());
                    if (secret.isPresent()) {
                        TotpSecret t = secret.get();
                        totp = epochs.seal(new CanonicalWriter().bytes(t.key()).string(t.algorithm()).u8(t.digits()).u32(t.periodSeconds())
                                .toBytes(), context("totp", a.id()));
                    }
                    AccountRecord r = new AccountRecord(a.role(), a.displayName(), a.createdAt(), local.apiKeys(a.id()), totp,
                            key.publicKey().getEncoded(), epochs.seal(key.privateKey().getEncoded(), context("custodial", a.id())));
                    commit(a.id(), 1, r);
                    moved++;
                }
                cursor = page.nextCursor();
            } while (cursor != null);
            io.stoq.crypto.keys.SecureFiles.writePrivate(marker, ("moved " + moved + " account(s)\n").getBytes(StandardCharsets.US_ASCII));
            localMoved = true;
        } catch (ApiException | LedgerException | CryptoException e) {
            throw new NodeException(io.stoq.node.NodeErrorCode.IO_ERROR, "cannot move the local accounts onto the network ledger "
                    + "(moved " + moved + " so far; the next start goes on): " + e.getMessage(), e);
        }
        return moved;
    }

    // ---- custodial keys -------------------------------------------------------------------

    @Override
    public Optional<SigningKey> custodialKey(String accountId) throws NodeException {
        SigningKey cached = custodial.get(accountId);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<AccountRecord> r = record(accountId);
        if (r.isEmpty()) {
            return Optional.empty();
        }
        byte[] plain = epochs.open(r.get().sealedCustodialKey(), context("custodial", accountId));
        try {
            PublicKey pub = io.stoq.crypto.sign.VerifyingKey.fromSpki(r.get().custodialSpki()).publicKey();
            PrivateKey priv = KeyFactory.getInstance(pub.getAlgorithm(), StoqProviders.bc()).generatePrivate(new PKCS8EncodedKeySpec(plain));
            SigningKey key = new SigningKey(SignatureAlgorithm.of(pub), priv, pub);
            custodial.put(accountId, key);
            return Optional.of(key);
        } catch (CryptoException | GeneralSecurityException e) {
            throw new NodeException(io.stoq.node.NodeErrorCode.CORRUPT_DATA, "the custodial key of account " + accountId
                    + " on the ledger is unreadable: " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(plain, (byte) 0);
        }
    }

    @Override
    public Optional<String> accountOf(Hash256 ledgerId) {
        try {
            return Optional.ofNullable(directory().byLedgerId().get(ledgerId));
        } catch (ApiException e) {
            return Optional.empty();
        }
    }

    // ---- internals ------------------------------------------------------------------------

    /** Makes the local store know the account (for its node-local counters and codes). */
    private void mirror(String accountId) throws ApiException {
        AccountRecord r = read(accountId).orElseThrow(() -> ApiException.notFound("account '" + accountId + "'"));
        if (local.account(accountId).isEmpty()) {
            try {
                local.create(accountId, r.role(), r.displayName());
            } catch (ApiException e) {
                if (e.error() != ApiError.CONFLICT) {
                    throw e;
                }
            }
        }
    }

    private Optional<AccountRecord> read(String id) throws ApiException {
        try {
            return record(id);
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
    }

    /**
     * The account that S3 access key id {@code accessKeyId} was made for (revoked or not), empty
     * when no account has it. Looked up in the last built directory first, which the caller
     * checks against the account's current record; rebuilt only when that names none and the
     * ledger moved since, so a known key costs one map lookup and a guessed one at most one
     * rebuild per block.
     */
    Optional<String> s3KeyAccount(String accessKeyId) throws ApiException {
        String account = directory.byS3KeyId().get(accessKeyId);
        return account != null ? Optional.of(account) : Optional.ofNullable(directory().byS3KeyId().get(accessKeyId));
    }

    /** The account's current record; {@link ApiError#NOT_FOUND} (naming {@code what}) when the network has none. */
    AccountRecord record(String id, String what) throws ApiException {
        return read(id).orElseThrow(() -> ApiException.notFound(what));
    }

    /** The key epochs this store seals secrets to (for the S3 keys kept in its records). */
    EpochKeys epochs() {
        return epochs;
    }

    /** Applies {@code change} to the current record and commits it, again on a newer one if another node got there first. */
    synchronized AccountRecord update(String id, UnaryOperator<AccountRecord> change) throws ApiException {
        for (int attempt = 1; ; attempt++) {
            try {
                long revision = ledger.reader().state().accountRecordRevision(id);
                AccountRecord current = read(id).orElseThrow(() -> ApiException.notFound("account '" + id + "'"));
                AccountRecord next = change.apply(current);
                commit(id, revision + 1, next);
                return next;
            } catch (TxRejectedException e) {
                if (e.reason() != RejectReason.STALE_VERSION || attempt == MAX_TRIES) {
                    throw NodeProblems.of(e);
                }
            } catch (NodeException | LedgerException e) {
                throw NodeProblems.of(e);
            }
        }
    }

    private void commit(String id, long revision, AccountRecord r) throws NodeException, LedgerException {
        ledger.commit(ledger.keys().operatorKey(false), List.of(), new TxBody.AccountRecord(id, revision, r.encode(id)));
        cache.remove(id);
    }

    private List<String> ids() throws ApiException {
        return new ArrayList<>(new java.util.TreeSet<>(directoryIds()));
    }

    private java.util.Set<String> directoryIds() throws ApiException {
        try {
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (Hash256 txId : ledger.reader().store().indexed(Indexes.ALL_ACCOUNT_RECORDS, Indexes.KEY_EPOCH_SUBJECT)) {
                StoredTx t = ledger.reader().store().tx(txId);
                if (t != null && t.tx().body() instanceof TxBody.AccountRecord r) {
                    ids.add(r.accountId());
                }
            }
            return ids;
        } catch (LedgerException e) {
            throw NodeProblems.of(e);
        }
    }

    /**
     * Key ids and custodial ledger ids to accounts. Rebuilt only when the ledger has moved since
     * the last build, so unknown key ids (a client guessing) cost one map lookup, not a scan.
     */
    private Directory directory() throws ApiException {
        Directory d = directory;
        long height = ledger.reader().height();
        if (d.height() == height) {
            return d;
        }
        synchronized (this) {
            if (directory.height() == height) {
                return directory;
            }
            Map<String, String> byKey = new ConcurrentHashMap<>();
            Map<Hash256, String> byLedger = new ConcurrentHashMap<>();
            Map<String, String> byS3 = new ConcurrentHashMap<>();
            for (String id : directoryIds()) {
                AccountRecord r = read(id).orElse(null);
                if (r == null) {
                    continue;
                }
                r.keys().forEach(k -> byKey.put(k.keyId(), id));
                byLedger.put(Sha3.hash(r.custodialSpki()), id);
                r.s3Keys().forEach(k -> byS3.put(k.accessKeyId(), id));
            }
            directory = new Directory(height, byKey, byLedger, byS3);
            return directory;
        }
    }

    static byte[] context(String what, String accountId) {
        return ("stoq/account/" + what + "/" + accountId).getBytes(StandardCharsets.UTF_8);
    }
}
