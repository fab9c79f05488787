package io.stoq.fragmint.port;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Accounts, their roles, API key hashes and TOTP secrets, implemented by stoq-node (durably: a
 * created key or role change survives a restart). Calls may block. Writes are atomic per call.
 */
public interface AccountStore {

    Optional<Account> account(String id) throws ApiException;

    /** Accounts in id order. */
    Page<Account> accounts(PageRequest page) throws ApiException;

    /** Creates an account; {@link ApiError#CONFLICT} when the id exists. */
    Account create(String id, Role role, String displayName) throws ApiException;

    /** Changes an account's role; {@link ApiError#NOT_FOUND} when unknown. */
    Account setRole(String id, Role role) throws ApiException;

    /** Looks a key up by its public id (revoked keys are returned too, flagged). */
    Optional<StoredApiKey> apiKey(String keyId) throws ApiException;

    /** The keys of one account, revoked ones included. */
    List<StoredApiKey> apiKeys(String accountId) throws ApiException;

    /** Stores a new key record; {@link ApiError#CONFLICT} when the key id exists. */
    void addApiKey(StoredApiKey key) throws ApiException;

    /** Marks a key revoked; {@link ApiError#NOT_FOUND} when it is not this account's key. */
    void revokeApiKey(String accountId, String keyId) throws ApiException;

    Optional<TotpSecret> totpSecret(String accountId) throws ApiException;

    /**
     * Sets (or replaces) the account's TOTP secret. Also forgets the account's used TOTP counter
     * and its {@link TotpAttempts}: both were about the old secret.
     */
    void setTotpSecret(String accountId, TotpSecret secret) throws ApiException;

    /**
     * Atomically records that TOTP time-step {@code counter} was used by the account. Returns
     * false, recording nothing, when a counter at or after it was already used: a code is good
     * once (RFC 6238 s.5.2).
     */
    boolean markTotpCounterUsed(String accountId, long counter) throws ApiException;

    /** The account's second-factor attempt state; {@link TotpAttempts#NONE} when nothing is recorded. */
    TotpAttempts totpAttempts(String accountId) throws ApiException;

    /**
     * Atomically replaces the account's attempt state with {@code change} applied to the current
     * one (durably, before returning) and returns the new state. Concurrent calls for one account
     * are serialised, so a burst of parallel guesses cannot all read the same allowance.
     * {@code change} is a pure function; it may run while the store holds a lock.
     */
    TotpAttempts updateTotpAttempts(String accountId, UnaryOperator<TotpAttempts> change)
            throws ApiException;

    /**
     * Stores a one-time enrollment code for the account, replacing any earlier one;
     * {@link ApiError#NOT_FOUND} when the account does not exist.
     */
    void setEnrollmentCode(String accountId, EnrollmentCode code) throws ApiException;

    /**
     * Atomically uses up the account's enrollment code when its hash equals {@code codeHash}
     * (compared in constant time) and it has not expired at {@code now}: true exactly once per
     * code. A wrong code changes nothing; an expired one is removed.
     */
    boolean consumeEnrollmentCode(String accountId, String codeHash, Instant now) throws ApiException;
}
