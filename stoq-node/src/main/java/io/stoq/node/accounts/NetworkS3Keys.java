package io.stoq.node.accounts;

import io.stoq.crypto.CryptoException;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.S3KeyStore;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.NodeProblems;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * S3 access keys as network state: each key is an entry of its account's {@code ACCOUNT_RECORD}
 * ({@link AccountRecord.S3KeyEntry}), so a key made through one node signs requests every node's
 * gateway accepts, and a key deleted through one node is refused by all once the revision is
 * applied. SigV4 needs the secret itself, so it is sealed to the key epoch (as TOTP secrets and
 * custodial keys are), bound to the access key id: any member node opens it, a node left out of
 * the epoch cannot, and a sealed secret copied to another key id does not open.
 *
 * <p>Lookup by access key id is a map lookup ({@link NetworkAccountStore#s3KeyAccount}) and a
 * check of the account's current record; the opened secret is cached by its sealed bytes, so a
 * request costs no ML-KEM decapsulation after the key's first use on this node.
 *
 * <p>Thread-safe: writes go through {@link NetworkAccountStore}'s serialised update.
 */
public final class NetworkS3Keys implements S3KeyStore {
    /** Live keys per account: each sealed secret is ~1.7 KB of a record bounded at 64 KiB. */
    static final int MAX_LIVE_KEYS = 16;
    /** Marker in the data directory: this node's local S3 keys were moved onto the network ledger. */
    public static final String MIGRATED_MARKER = "accounts/network-s3-keys.migrated";
    private static final int MAX_CACHED = 10_000;

    private final NetworkAccountStore accounts;
    private final Clock clock;
    private final Map<String, Opened> opened = new ConcurrentHashMap<>();

    private record Opened(byte[] sealed, String secret) {}

    public NetworkS3Keys(NetworkAccountStore accounts, Clock clock) {
        this.accounts = accounts;
        this.clock = clock;
    }

    @Override
    public S3Key create(String accountId) throws ApiException {
        String id;
        do {
            id = NodeS3Keys.newKeyId();
        } while (accounts.s3KeyAccount(id).isPresent());
        String secret = NodeS3Keys.newSecret();
        add(accountId, id, secret, clock.instant());
        return new S3Key(id, accountId, secret, clock.instant());
    }

    private void add(String accountId, String id, String secret, Instant created) throws ApiException {
        AccountRecord current = accounts.record(accountId, "account '" + accountId + "'");
        if (current.s3Keys().stream().filter(k -> !k.revoked()).count() >= MAX_LIVE_KEYS) {
            throw new ApiException(ApiError.CONFLICT, "account " + accountId + " has " + MAX_LIVE_KEYS
                    + " live S3 keys, the most it may have: delete one first");
        }
        byte[] sealed;
        try {
            sealed = accounts.epochs().seal(secret.getBytes(StandardCharsets.UTF_8), context(id));
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
        AccountRecord.S3KeyEntry entry = new AccountRecord.S3KeyEntry(id, created, false, sealed);
        accounts.update(accountId, a -> {
            List<AccountRecord.S3KeyEntry> keys = new ArrayList<>(a.s3Keys());
            keys.add(entry);
            return a.withS3Keys(keys);
        });
    }

    @Override
    public Optional<S3Key> find(String accessKeyId) throws ApiException {
        Optional<String> account = accounts.s3KeyAccount(accessKeyId);
        if (account.isEmpty()) {
            return Optional.empty();
        }
        AccountRecord r = accounts.record(account.get(), "account '" + account.get() + "'");
        for (AccountRecord.S3KeyEntry k : r.s3Keys()) {
            if (k.accessKeyId().equals(accessKeyId)) {
                if (k.revoked()) {
                    opened.remove(accessKeyId);
                    return Optional.empty();
                }
                return Optional.of(new S3Key(accessKeyId, account.get(), secret(k), k.createdAt()));
            }
        }
        return Optional.empty();
    }

    private String secret(AccountRecord.S3KeyEntry k) throws ApiException {
        Opened o = opened.get(k.accessKeyId());
        if (o != null && Arrays.equals(o.sealed(), k.sealedSecret())) {
            return o.secret();
        }
        try {
            String secret = new String(accounts.epochs().open(k.sealedSecret(), context(k.accessKeyId())), StandardCharsets.UTF_8);
            if (opened.size() >= MAX_CACHED) {
                opened.clear();
            }
            opened.put(k.accessKeyId(), new Opened(k.sealedSecret(), secret));
            return secret;
        } catch (NodeException e) {
            throw new ApiException(ApiError.INTERNAL, "the secret of S3 key " + k.accessKeyId() + " does not open on this node "
                    + "(it holds no share of the key epoch it is sealed to)", e);
        }
    }

    @Override
    public List<S3Key> list(String accountId) throws ApiException {
        AccountRecord r = accounts.record(accountId, "account '" + accountId + "'");
        return r.s3Keys().stream().filter(k -> !k.revoked()).map(k -> new S3Key(k.accessKeyId(), accountId, "", k.createdAt())).toList();
    }

    @Override
    public void revoke(String accountId, String accessKeyId) throws ApiException {
        AccountRecord current = accounts.record(accountId, "account '" + accountId + "'");
        if (current.s3Keys().stream().noneMatch(k -> k.accessKeyId().equals(accessKeyId) && !k.revoked())) {
            throw new ApiException(ApiError.NOT_FOUND, "account " + accountId + " has no live S3 key " + accessKeyId);
        }
        accounts.update(accountId, a -> a.withS3Keys(a.s3Keys().stream()
                .map(k -> k.accessKeyId().equals(accessKeyId) ? k.asRevoked() : k).toList()));
        opened.remove(accessKeyId);
    }

    /**
     * Moves the live S3 keys of this node's database (a data directory from before S3 keys were
     * network state) into their accounts' network records, once, keeping their ids and secrets so
     * the clients configured with them go on working, on every node now. A key whose account the
     * network does not have, or whose id the network already has, is left out (logged). Then
     * {@code dataDir/}{@value #MIGRATED_MARKER} is written; a start that dies half way moves the
     * rest next time. Returns how many keys it moved.
     */
    public int migrateLocal(Path dataDir, NodeS3Keys local) throws NodeException {
        Path marker = dataDir.resolve(MIGRATED_MARKER);
        if (Files.exists(marker)) {
            return 0;
        }
        int moved = 0;
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NetworkS3Keys.class);
        try {
            for (S3Key k : local.liveKeys()) {
                if (accounts.s3KeyAccount(k.accessKeyId()).isPresent()) {
                    continue; // moved by an earlier, interrupted run (or another node holding a copy of this data)
                }
                if (accounts.account(k.accountId()).isEmpty()) {
                    log.warn("local S3 key {} belongs to account {}, which the network does not have: not moved", k.accessKeyId(),
                            k.accountId());
                    continue;
                }
                add(k.accountId(), k.accessKeyId(), k.secret(), k.created());
                moved++;
            }
            io.stoq.crypto.keys.SecureFiles.writePrivate(marker, ("moved " + moved + " S3 key(s)\n").getBytes(StandardCharsets.US_ASCII));
        } catch (ApiException | CryptoException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot move the local S3 keys onto the network ledger (moved " + moved
                    + " so far; the next start goes on): " + e.getMessage(), e);
        }
        return moved;
    }

    private static byte[] context(String accessKeyId) {
        return NetworkAccountStore.context("s3-key", accessKeyId);
    }
}
