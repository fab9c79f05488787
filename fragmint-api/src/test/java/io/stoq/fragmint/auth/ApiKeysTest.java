package io.stoq.fragmint.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    @Test
    void issuedKeyParsesMatchesAndHidesItsSecret() {
        ApiKeys.Issued k = ApiKeys.issue("alice", "l", Instant.EPOCH, null);
        assertThat(k.plaintext()).matches("stq_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
        assertThat(ApiKeys.keyIdOf(k.plaintext())).hasValue(k.stored().keyId());
        assertThat(ApiKeys.matches(k.plaintext(), k.stored())).isTrue();
        String tampered = k.plaintext().substring(0, k.plaintext().length() - 1)
                + (k.plaintext().endsWith("A") ? "B" : "A");
        assertThat(ApiKeys.matches(tampered, k.stored())).isFalse();
        assertThat(k.toString()).doesNotContain(k.plaintext());
        assertThat(k.stored().toString()).doesNotContain(k.plaintext().substring(21));
    }

    @Test
    void malformedKeysHaveNoId() {
        assertThat(ApiKeys.keyIdOf("stq_xyz_abc")).isEmpty();
        assertThat(ApiKeys.keyIdOf("")).isEmpty();
        assertThat(ApiKeys.keyIdOf("stq_0123456789abcdef_" + "a".repeat(44))).isEmpty();
    }
}
