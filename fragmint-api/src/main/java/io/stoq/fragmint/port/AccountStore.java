package io.stoq.fragmint.port;

import java.util.List;
import java.util.Optional;

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

    /** Sets (or replaces) the account's TOTP secret. */
    void setTotpSecret(String accountId, TotpSecret secret) throws ApiException;

    /**
     * Atomically records that TOTP time-step {@code counter} was used by the account. Returns
     * false, recording nothing, when a counter at or after it was already used: a code is good
     * once (RFC 6238 s.5.2).
     */
    boolean markTotpCounterUsed(String accountId, long counter) throws ApiException;
}
