package io.stoq.fragmint.auth;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the second factor: how many wrong TOTP codes an account may send in a window before
 * every TOTP attempt of that account is refused for a while (the period doubles with each
 * lockout that follows without an accepted code in between, up to a cap), and how long an
 * admin-issued enrollment code stays valid. stoq-node maps its {@code auth.*} config keys onto
 * it; the defaults are documented in docs/api.md and docs/config.md.
 *
 * <p>Why these defaults: with 6-digit codes and one step of clock skew either side, 3 codes in a
 * million are right at any moment. Five tries per 15 minutes, then 5 min, 10 min, ... up to a
 * day of silence, leave a guesser about 50 tries on the first day and 5 a day after: a success
 * chance of roughly 1 in 2,000 per year, while a person who mistypes twice never notices.
 *
 * @param totpMaxFailures wrong codes allowed per window before the lockout (default 5)
 * @param totpFailureWindow the counting window, from the first wrong code (default 15 min)
 * @param totpLockout the first lockout period (default 5 min); each next one doubles
 * @param totpMaxLockout the longest lockout period (default 24 h)
 * @param enrollmentCodeLifetime validity of a one-time TOTP enrollment code (default 1 h)
 */
public record AuthSettings(int totpMaxFailures, Duration totpFailureWindow, Duration totpLockout,
        Duration totpMaxLockout, Duration enrollmentCodeLifetime) {

    public AuthSettings {
        if (totpMaxFailures < 1 || totpMaxFailures > 100) {
            throw new IllegalArgumentException("totpMaxFailures must be 1..100: " + totpMaxFailures);
        }
        positive(totpFailureWindow, "totpFailureWindow");
        positive(totpLockout, "totpLockout");
        positive(totpMaxLockout, "totpMaxLockout");
        positive(enrollmentCodeLifetime, "enrollmentCodeLifetime");
        if (totpMaxLockout.compareTo(totpLockout) < 0) {
            throw new IllegalArgumentException("totpMaxLockout (" + totpMaxLockout
                    + ") is shorter than totpLockout (" + totpLockout + ")");
        }
    }

    public static AuthSettings defaults() {
        return new AuthSettings(5, Duration.ofMinutes(15), Duration.ofMinutes(5), Duration.ofHours(24),
                Duration.ofHours(1));
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
