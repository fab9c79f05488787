package io.stoq.fragmint.auth;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;

/**
 * A TOTP attempt refused because the account's second factor is locked after too many wrong
 * codes: 429 {@link ApiError#RATE_LIMITED} with {@code Retry-After}. The refused code is never
 * checked, so the answer is the same whether it was right or wrong.
 */
public final class SecondFactorLockedException extends ApiException {
    private static final long serialVersionUID = 1L;
    private final long retryAfterSeconds;

    public SecondFactorLockedException(String accountId, long retryAfterSeconds) {
        super(ApiError.RATE_LIMITED, "too many wrong TOTP codes for account '" + accountId
                + "': its second factor is locked; retry after " + retryAfterSeconds
                + " s or ask an admin to lift the lockout");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds until the account may try again (the {@code Retry-After} value). */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
