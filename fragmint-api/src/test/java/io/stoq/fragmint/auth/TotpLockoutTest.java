package io.stoq.fragmint.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.port.TotpAttempts;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The lockout policy as pure functions: counting, windows, locking, doubling, the cap. */
class TotpLockoutTest {
    private static final Instant T0 = Instant.parse("2026-11-24T08:00:00Z");
    private final TotpLockout policy = new TotpLockout(new AuthSettings(3, Duration.ofMinutes(10),
            Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofHours(1)));

    private TotpAttempts fail(TotpAttempts a, Instant at) {
        TotpAttempts counted = policy.admit(a, at);
        assertThat(counted).as("admitted at %s", at).isNotNull();
        return policy.afterFailure(counted, at);
    }

    @Test
    void theLimitLocksAndTheLockRefusesUncheckedUntilItEnds() {
        TotpAttempts a = TotpAttempts.NONE;
        a = fail(a, T0);
        a = fail(a, T0.plusSeconds(1));
        assertThat(a.lockedAt(T0.plusSeconds(1))).isFalse();
        a = fail(a, T0.plusSeconds(2));
        assertThat(a.lockedUntil()).isEqualTo(T0.plusSeconds(62));
        assertThat(a.lockouts()).isEqualTo(1);
        assertThat(policy.admit(a, T0.plusSeconds(61))).isNull();
        assertThat(policy.retryAfterSeconds(a, T0.plusSeconds(61))).isEqualTo(1);
        assertThat(policy.admit(a, T0.plusSeconds(62))).isNotNull();
    }

    @Test
    void attemptsInFlightUseUpTheAllowanceBeforeAnyIsChecked() {
        TotpAttempts a = TotpAttempts.NONE;
        for (int i = 0; i < 3; i++) {
            a = policy.admit(a, T0);
        }
        assertThat(policy.admit(a, T0)).as("fourth concurrent attempt").isNull();
        assertThat(policy.retryAfterSeconds(a, T0)).isEqualTo(600);
    }

    @Test
    void periodsDoubleUpToTheCap() {
        assertThat(policy.period(1)).isEqualTo(Duration.ofMinutes(1));
        assertThat(policy.period(2)).isEqualTo(Duration.ofMinutes(2));
        assertThat(policy.period(3)).isEqualTo(Duration.ofMinutes(4));
        assertThat(policy.period(4)).isEqualTo(Duration.ofMinutes(5));
        assertThat(policy.period(1000)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aClosedWindowStartsAfresh() {
        TotpAttempts a = fail(fail(TotpAttempts.NONE, T0), T0);
        TotpAttempts later = policy.admit(a, T0.plus(Duration.ofMinutes(10)));
        assertThat(later.failures()).isEqualTo(1);
        assertThat(later.windowStart()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new AuthSettings(0, Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(1),
                Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthSettings(5, Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofMinutes(1),
                Duration.ofMinutes(1))).hasMessageContaining("shorter");
        assertThat(AuthSettings.defaults().totpMaxFailures()).isEqualTo(5);
    }

    @Test
    void enrollmentCodesHashTheSameHowEverTyped() {
        EnrollmentCodes.Issued i = EnrollmentCodes.issue("admin", T0, Duration.ofHours(1));
        assertThat(i.plaintext()).matches("[A-Z2-7]{4}(-[A-Z2-7]{4}){5}");
        assertThat(EnrollmentCodes.hash(i.plaintext().toLowerCase().replace("-", " ")))
                .isEqualTo(i.stored().codeHash());
        assertThat(i.toString()).doesNotContain(i.plaintext());
        assertThat(i.stored().expiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
    }
}
