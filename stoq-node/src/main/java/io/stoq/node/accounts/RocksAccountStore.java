package io.stoq.node.accounts;

import io.stoq.crypto.ConstantTime;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.Hex;
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
import io.stoq.node.accounts.NodeDb.Cf;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The durable {@link AccountStore}: accounts, API key hashes, roles and TOTP state in the node's
 * {@link NodeDb}. Every write is one synced RocksDB write (a {@link WriteBatch} where a call touches
 * several records), so it is atomic and survives a crash once the call returns.
 *
 * <p>TOTP secrets are sealed with AES-256-GCM under {@link SecretsKey} with the account id as AAD,
 * so a sealed secret copied onto another account does not open. API keys are stored only as the
 * hash record the API layer made ({@link StoredApiKey#secretHash()}).
 *
 * <p>TOTP attempt state ({@link TotpAttempts}) and one-time enrollment codes (hash only) are kept
 * here too, durably, so neither a restart nor a crash hands a guesser a fresh allowance or revives
 * a used code.
 *
 * <p>Thread-safe: reads go straight to RocksDB; read-modify-write calls (create, role, keys, TOTP,
 * attempts, enrollment codes) hold this object's monitor, which makes {@link #markTotpCounterUsed},
 * {@link #updateTotpAttempts} and {@link #consumeEnrollmentCode} atomic.
 */
public final class RocksAccountStore implements AccountStore {
    private final NodeDb db;
    private final SecretsKey secrets;
    private final Clock clock;

    /** Uses {@code db} (owned by the caller) and the node's secrets key. */
    public RocksAccountStore(NodeDb db, SecretsKey secrets, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Optional<Account> account(String id) throws ApiException {
        byte[] v = get(Cf.ACCOUNTS, utf8(id));
        return v == null ? Optional.empty() : Optional.of(Records.account(v));
    }

    @Override
    public Page<Account> accounts(PageRequest page) throws ApiException {
        List<Account> out = new ArrayList<>();
        try (RocksIterator it = db.iterator(Cf.ACCOUNTS)) {
            if (page.cursor() == null) {
                it.seekToFirst();
            } else {
                it.seek(utf8(page.cursor()));
                if (it.isValid() && Arrays.equals(it.key(), utf8(page.cursor()))) {
                    it.next();
                }
            }
            for (; it.isValid(); it.next()) {
                if (out.size() == page.limit()) {
                    return new Page<>(out, out.get(out.size() - 1).id());
                }
                out.add(Records.account(it.value()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw storageFailure(e);
        }
        return new Page<>(out, null);
    }

    @Override
    public synchronized Account create(String id, Role role, String displayName) throws ApiException {
        Objects.requireNonNull(role, "role");
        if (id == null || id.isEmpty()) {
            throw ApiException.badRequest("account id must not be empty");
        }
        if (get(Cf.ACCOUNTS, utf8(id)) != null) {
            throw new ApiException(ApiError.CONFLICT, "account '" + id + "' exists");
        }
        Account a = new Account(id, role, displayName, false, clock.instant());
        put(Cf.ACCOUNTS, utf8(id), Records.account(a));
        return a;
    }

    @Override
    public synchronized Account setRole(String id, Role role) throws ApiException {
        Account a = account(id).orElseThrow(() -> ApiException.notFound("account '" + id + "'"));
        Account b = new Account(a.id(), role, a.displayName(), a.totpEnrolled(), a.createdAt());
        put(Cf.ACCOUNTS, utf8(id), Records.account(b));
        return b;
    }

    @Override
    public Optional<StoredApiKey> apiKey(String keyId) throws ApiException {
        byte[] v = get(Cf.API_KEYS, utf8(keyId));
        return v == null ? Optional.empty() : Optional.of(Records.apiKey(v));
    }

    @Override
    public List<StoredApiKey> apiKeys(String accountId) throws ApiException {
        byte[] prefix = indexKey(accountId, "");
        List<StoredApiKey> out = new ArrayList<>();
        try (RocksIterator it = db.iterator(Cf.ACCOUNT_KEYS)) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                String keyId = new String(it.key(), prefix.length, it.key().length - prefix.length,
                        StandardCharsets.UTF_8);
                apiKey(keyId).ifPresent(out::add);
            }
            it.status();
        } catch (RocksDBException e) {
            throw storageFailure(e);
        }
        return out;
    }

    @Override
    public synchronized void addApiKey(StoredApiKey key) throws ApiException {
        if (get(Cf.API_KEYS, utf8(key.keyId())) != null) {
            throw new ApiException(ApiError.CONFLICT, "key id '" + key.keyId() + "' exists");
        }
        if (get(Cf.ACCOUNTS, utf8(key.accountId())) == null) {
            throw ApiException.notFound("account '" + key.accountId() + "'");
        }
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(db.handle(Cf.API_KEYS), utf8(key.keyId()), Records.apiKey(key));
            batch.put(db.handle(Cf.ACCOUNT_KEYS), indexKey(key.accountId(), key.keyId()), new byte[0]);
            db.write(batch);
        } catch (RocksDBException e) {
            throw storageFailure(e);
        }
    }

    @Override
    public synchronized void revokeApiKey(String accountId, String keyId) throws ApiException {
        StoredApiKey k = apiKey(keyId).orElse(null);
        if (k == null || !k.accountId().equals(accountId)) {
            throw ApiException.notFound("key '" + keyId + "' of account '" + accountId + "'");
        }
        put(Cf.API_KEYS, utf8(keyId), Records.apiKey(k.asRevoked()));
    }

    @Override
    public Optional<TotpSecret> totpSecret(String accountId) throws ApiException {
        byte[] sealed = get(Cf.TOTP_SECRETS, utf8(accountId));
        if (sealed == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Records.totp(secrets.open(utf8(accountId), sealed)));
        } catch (CryptoException e) {
            // Wrong secrets.key or a tampered record: the node cannot check this account's codes.
            throw new ApiException(ApiError.INTERNAL, "stored TOTP secret cannot be decrypted", e);
        }
    }

    @Override
    public synchronized void setTotpSecret(String accountId, TotpSecret secret) throws ApiException {
        Account a = account(accountId).orElseThrow(() -> ApiException.notFound("account '" + accountId + "'"));
        Account enrolled = new Account(a.id(), a.role(), a.displayName(), true, a.createdAt());
        byte[] id = utf8(accountId);
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(db.handle(Cf.TOTP_SECRETS), id, secrets.seal(id, Records.totp(secret)));
            batch.delete(db.handle(Cf.TOTP_COUNTERS), id);
            batch.delete(db.handle(Cf.TOTP_ATTEMPTS), id);
            batch.put(db.handle(Cf.ACCOUNTS), id, Records.account(enrolled));
            db.write(batch);
        } catch (RocksDBException e) {
            throw storageFailure(e);
        } catch (CryptoException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot encrypt TOTP secret", e);
        }
    }

    @Override
    public synchronized boolean markTotpCounterUsed(String accountId, long counter) throws ApiException {
        byte[] id = utf8(accountId);
        byte[] last = get(Cf.TOTP_COUNTERS, id);
        if (last != null && counter <= Records.longOf(last)) {
            return false;
        }
        put(Cf.TOTP_COUNTERS, id, Records.longKey(counter));
        return true;
    }

    @Override
    public TotpAttempts totpAttempts(String accountId) throws ApiException {
        byte[] v = get(Cf.TOTP_ATTEMPTS, utf8(accountId));
        return v == null ? TotpAttempts.NONE : Records.totpAttempts(v);
    }

    @Override
    public synchronized TotpAttempts updateTotpAttempts(String accountId, UnaryOperator<TotpAttempts> change)
            throws ApiException {
        TotpAttempts next = Objects.requireNonNull(change.apply(totpAttempts(accountId)), "new attempt state");
        if (next.equals(TotpAttempts.NONE)) {
            delete(Cf.TOTP_ATTEMPTS, utf8(accountId));
        } else {
            put(Cf.TOTP_ATTEMPTS, utf8(accountId), Records.totpAttempts(next));
        }
        return next;
    }

    @Override
    public synchronized void setEnrollmentCode(String accountId, EnrollmentCode code) throws ApiException {
        if (get(Cf.ACCOUNTS, utf8(accountId)) == null) {
            throw ApiException.notFound("account '" + accountId + "'");
        }
        put(Cf.ENROLLMENT_CODES, utf8(accountId), Records.enrollmentCode(code));
    }

    @Override
    public synchronized boolean consumeEnrollmentCode(String accountId, String codeHash, Instant now)
            throws ApiException {
        byte[] id = utf8(accountId);
        byte[] v = get(Cf.ENROLLMENT_CODES, id);
        if (v == null) {
            return false;
        }
        EnrollmentCode code = Records.enrollmentCode(v);
        if (!now.isBefore(code.expiresAt())) {
            delete(Cf.ENROLLMENT_CODES, id);
            return false;
        }
        if (!ConstantTime.equals(Hex.decode(code.codeHash()), Hex.decode(codeHash))) {
            return false;
        }
        delete(Cf.ENROLLMENT_CODES, id);
        return true;
    }

    private void delete(Cf cf, byte[] key) throws ApiException {
        try (WriteBatch batch = new WriteBatch()) {
            batch.delete(db.handle(cf), key);
            db.write(batch);
        } catch (RocksDBException e) {
            throw storageFailure(e);
        }
    }

    private byte[] get(Cf cf, byte[] key) throws ApiException {
        try {
            return db.get(cf, key);
        } catch (RocksDBException e) {
            throw storageFailure(e);
        }
    }

    private void put(Cf cf, byte[] key, byte[] value) throws ApiException {
        try {
            db.put(cf, key, value);
        } catch (RocksDBException e) {
            throw storageFailure(e);
        }
    }

    static ApiException storageFailure(RocksDBException e) {
        return new ApiException(ApiError.UNAVAILABLE, "node database failure", e);
    }

    private static byte[] indexKey(String accountId, String keyId) {
        byte[] a = utf8(accountId);
        byte[] k = utf8(keyId);
        byte[] out = new byte[a.length + 1 + k.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(k, 0, out, a.length + 1, k.length);
        return out;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
