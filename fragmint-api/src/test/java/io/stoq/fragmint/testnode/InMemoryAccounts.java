package io.stoq.fragmint.testnode;

import io.stoq.fragmint.port.Account;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.StoredApiKey;
import io.stoq.fragmint.port.TokenService;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.crypto.ConstantTime;
import io.stoq.crypto.Hex;
import io.stoq.fragmint.port.EnrollmentCode;
import io.stoq.fragmint.port.TotpAttempts;
import java.time.Clock;
import java.time.Instant;
import java.util.function.UnaryOperator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * TEST DOUBLE of stoq-node's account store, token ledger and audit log (the real ones will live in
 * RocksDB and the ledger). Real behaviour in memory: ids are unique, roles change, key records
 * hold only hashes, TOTP counters only move forward, TOTP attempt state changes atomically,
 * enrollment codes are single use, balances never go negative, the audit log is append-only (and
 * keeps every record as it comes: aggregation and retention are the node's).
 *
 * <p>Thread-safe: every method synchronizes on this.
 */
public final class InMemoryAccounts implements AccountStore, TokenService, AuditLog {
    private final Clock clock;
    private final InMemoryLedger ledger;
    private final TreeMap<String, Account> accounts = new TreeMap<>();
    private final Map<String, StoredApiKey> keys = new HashMap<>();
    private final Map<String, TotpSecret> totp = new HashMap<>();
    private final Map<String, Long> lastCounter = new HashMap<>();
    private final Map<String, TotpAttempts> attempts = new HashMap<>();
    private final Map<String, EnrollmentCode> enrollmentCodes = new HashMap<>();
    private final Map<String, Long> balances = new HashMap<>();
    private final List<AuditRecord> audit = new ArrayList<>();

    public InMemoryAccounts(Clock clock, InMemoryLedger ledger) {
        this.clock = clock;
        this.ledger = ledger;
    }

    @Override
    public synchronized Optional<Account> account(String id) {
        return Optional.ofNullable(accounts.get(id));
    }

    @Override
    public synchronized Page<Account> accounts(PageRequest page) {
        Map<String, Account> tail = page.cursor() == null ? accounts : accounts.tailMap(page.cursor(), false);
        List<Account> out = new ArrayList<>();
        String last = null;
        for (Account a : tail.values()) {
            if (out.size() == page.limit()) {
                return new Page<>(out, last);
            }
            out.add(a);
            last = a.id();
        }
        return new Page<>(out, null);
    }

    @Override
    public synchronized Account create(String id, Role role, String displayName) throws ApiException {
        if (accounts.containsKey(id)) {
            throw new ApiException(ApiError.CONFLICT, "account '" + id + "' exists");
        }
        Account a = new Account(id, role, displayName, false, clock.instant());
        accounts.put(id, a);
        ledger.commit(LedgerEvent.Category.ACCOUNT, "account.created", id, Map.of("role", role.wireName()));
        return a;
    }

    @Override
    public synchronized Account setRole(String id, Role role) throws ApiException {
        Account a = account(id).orElseThrow(() -> ApiException.notFound("account '" + id + "'"));
        Account b = new Account(a.id(), role, a.displayName(), a.totpEnrolled(), a.createdAt());
        accounts.put(id, b);
        ledger.commit(LedgerEvent.Category.ACCOUNT, "account.role-changed", id, Map.of("role", role.wireName()));
        return b;
    }

    @Override
    public synchronized Optional<StoredApiKey> apiKey(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    @Override
    public synchronized List<StoredApiKey> apiKeys(String accountId) {
        return keys.values().stream().filter(k -> k.accountId().equals(accountId)).toList();
    }

    @Override
    public synchronized void addApiKey(StoredApiKey key) throws ApiException {
        if (keys.containsKey(key.keyId())) {
            throw new ApiException(ApiError.CONFLICT, "key id exists");
        }
        keys.put(key.keyId(), key);
    }

    @Override
    public synchronized void revokeApiKey(String accountId, String keyId) throws ApiException {
        StoredApiKey k = keys.get(keyId);
        if (k == null || !k.accountId().equals(accountId)) {
            throw ApiException.notFound("key '" + keyId + "' of account '" + accountId + "'");
        }
        keys.put(keyId, k.asRevoked());
    }

    @Override
    public synchronized Optional<TotpSecret> totpSecret(String accountId) {
        return Optional.ofNullable(totp.get(accountId));
    }

    @Override
    public synchronized void setTotpSecret(String accountId, TotpSecret secret) throws ApiException {
        Account a = account(accountId).orElseThrow(() -> ApiException.notFound("account"));
        totp.put(accountId, secret);
        lastCounter.remove(accountId);
        attempts.remove(accountId);
        accounts.put(accountId, new Account(a.id(), a.role(), a.displayName(), true, a.createdAt()));
    }

    @Override
    public synchronized boolean markTotpCounterUsed(String accountId, long counter) {
        Long last = lastCounter.get(accountId);
        if (last != null && counter <= last) {
            return false;
        }
        lastCounter.put(accountId, counter);
        return true;
    }

    @Override
    public synchronized TotpAttempts totpAttempts(String accountId) {
        return attempts.getOrDefault(accountId, TotpAttempts.NONE);
    }

    @Override
    public synchronized TotpAttempts updateTotpAttempts(String accountId, UnaryOperator<TotpAttempts> change) {
        TotpAttempts next = change.apply(totpAttempts(accountId));
        if (next.equals(TotpAttempts.NONE)) {
            attempts.remove(accountId);
        } else {
            attempts.put(accountId, next);
        }
        return next;
    }

    @Override
    public synchronized void setEnrollmentCode(String accountId, EnrollmentCode code) throws ApiException {
        account(accountId).orElseThrow(() -> ApiException.notFound("account '" + accountId + "'"));
        enrollmentCodes.put(accountId, code);
    }

    @Override
    public synchronized boolean consumeEnrollmentCode(String accountId, String codeHash, Instant now) {
        EnrollmentCode c = enrollmentCodes.get(accountId);
        if (c == null) {
            return false;
        }
        if (!now.isBefore(c.expiresAt())) {
            enrollmentCodes.remove(accountId);
            return false;
        }
        if (!ConstantTime.equals(Hex.decode(c.codeHash()), Hex.decode(codeHash))) {
            return false;
        }
        enrollmentCodes.remove(accountId);
        return true;
    }

    /** The stored enrollment code record of an account (tests check that only a hash is kept). */
    public synchronized Optional<EnrollmentCode> enrollmentCode(String accountId) {
        return Optional.ofNullable(enrollmentCodes.get(accountId));
    }

    // --- tokens ---

    public synchronized void mint(String account, long amount) {
        balances.merge(account, amount, Long::sum);
    }

    @Override
    public synchronized TokenBalance balance(String accountId) {
        return new TokenBalance(accountId, balances.getOrDefault(accountId, 0L), ledger.tip().height());
    }

    @Override
    public synchronized TokenReceipt transfer(Caller caller, String to, long amount, String memo)
            throws ApiException {
        if (to.equals(caller.accountId())) {
            throw new ApiException(ApiError.UNPROCESSABLE, "cannot transfer tokens to yourself");
        }
        long have = balances.getOrDefault(caller.accountId(), 0L);
        if (have < amount) {
            throw new ApiException(ApiError.UNPROCESSABLE, "insufficient balance: " + have + " < " + amount);
        }
        balances.put(caller.accountId(), have - amount);
        balances.merge(to, amount, Long::sum);
        long h = ledger.commit(LedgerEvent.Category.TOKEN, "token.transferred", to,
                Map.of("from", caller.accountId(), "amount", amount));
        return new TokenReceipt(ledger.block(h).txRoot(), caller.accountId(), to, amount, h);
    }

    // --- audit ---

    private volatile java.util.concurrent.CountDownLatch appendGate;
    private final java.util.concurrent.atomic.AtomicInteger appendsWaiting = new java.util.concurrent.atomic.AtomicInteger();

    /** Until {@code gate} opens, every append waits first, as a slow disk would make it (tests of the ordering). */
    public void holdAppends(java.util.concurrent.CountDownLatch gate) {
        this.appendGate = gate;
    }

    /** Appends waiting at the gate of {@link #holdAppends}. */
    public int appendsWaiting() {
        return appendsWaiting.get();
    }

    @Override
    public AuditRecord append(AuditRecord record) throws ApiException {
        java.util.concurrent.CountDownLatch gate = appendGate;
        if (gate != null) {
            appendsWaiting.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(io.stoq.fragmint.port.ApiError.UNAVAILABLE, "interrupted");
            } finally {
                appendsWaiting.decrementAndGet();
            }
        }
        synchronized (this) {
            AuditRecord r = record.withSeq(audit.size() + 1);
            audit.add(r);
            return r;
        }
    }

    @Override
    public synchronized Page<AuditRecord> query(Query q, PageRequest page) throws ApiException {
        long after;
        try {
            after = page.cursor() == null ? 0 : Long.parseLong(page.cursor());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad cursor");
        }
        List<AuditRecord> out = new ArrayList<>();
        for (AuditRecord r : audit) {
            if (r.seq() > after && q.matches(r)) {
                if (out.size() == page.limit()) {
                    return new Page<>(out, Long.toString(out.get(out.size() - 1).seq()));
                }
                out.add(r);
            }
        }
        return new Page<>(out, null);
    }

    public synchronized List<AuditRecord> auditRecords() {
        return List.copyOf(audit);
    }
}
