package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * The second-factor attempt state of one account, kept by the {@link AccountStore} so a restart
 * does not hand a guesser a fresh allowance. The policy that reads and changes it is
 * {@code io.stoq.fragmint.auth.TotpLockout}; the store only keeps it and applies a change
 * atomically ({@link AccountStore#updateTotpAttempts}).
 *
 * @param failures TOTP codes tried since {@code windowStart} that did not succeed
 * @param windowStart start of the current counting window, null when nothing was tried
 * @param lockouts lockouts since the account's last accepted code (drives the increasing period)
 * @param lockedUntil end of the current lockout, null when none was ever set
 */
public record TotpAttempts(int failures, Instant windowStart, int lockouts, Instant lockedUntil) {
    /** No attempt recorded. */
    public static final TotpAttempts NONE = new TotpAttempts(0, null, 0, null);

    public TotpAttempts {
        if (failures < 0 || lockouts < 0) {
            throw new IllegalArgumentException("failures and lockouts must not be negative");
        }
    }

    /** True while a lockout lasts at {@code now}. */
    public boolean lockedAt(Instant now) {
        return lockedUntil != null && now.isBefore(lockedUntil);
    }
}
