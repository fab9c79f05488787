package io.stoq.node.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.StoredApiKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminBootstrapTest {
    @TempDir
    Path data;

    private final Clock clock = Clock.systemUTC();

    @Test
    void firstStartCreatesAdminAndKeyFileLaterStartsLeaveThemAlone() throws Exception {
        String firstKey;
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            AdminBootstrap.Result r = AdminBootstrap.ensureAdmin(node.accounts(), data, clock);
            assertThat(r.created()).isTrue();
            assertThat(r.keyFile()).isEqualTo(data.resolve("dev-admin.key"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(r.keyFile()))).isEqualTo("rw-------");
            firstKey = Files.readString(r.keyFile()).strip();
            assertThat(node.accounts().account("admin").orElseThrow().role()).isEqualTo(Role.ADMIN);
            String keyId = ApiKeys.keyIdOf(firstKey).orElseThrow();
            StoredApiKey stored = node.accounts().apiKey(keyId).orElseThrow();
            assertThat(stored.accountId()).isEqualTo("admin");
            assertThat(ApiKeys.matches(firstKey, stored)).isTrue();
            assertThat(stored.secretHash()).doesNotContain(firstKey);
        }
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            AdminBootstrap.Result r = AdminBootstrap.ensureAdmin(node.accounts(), data, clock);
            assertThat(r.created()).isFalse();
            assertThat(Files.readString(r.keyFile()).strip()).isEqualTo(firstKey);
            assertThat(node.accounts().apiKeys("admin")).hasSize(1);
        }
    }

    @Test
    void anAdminWithoutKeyFromAnInterruptedFirstStartGetsOne() throws Exception {
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            node.accounts().create("admin", Role.ADMIN, "half-made");
            AdminBootstrap.Result r = AdminBootstrap.ensureAdmin(node.accounts(), data, clock);
            assertThat(r.created()).isTrue();
            String key = Files.readString(r.keyFile()).strip();
            assertThat(ApiKeys.matches(key, node.accounts().apiKeys("admin").get(0))).isTrue();
        }
    }

    @Test
    void theDevAdminGetsAOneTimeEnrollmentCodeUntilItHasASecondFactor() throws Exception {
        String firstCode;
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            AdminBootstrap.Result r = AdminBootstrap.ensureAdmin(node.accounts(), data, clock);
            assertThat(r.enrollmentCodeFile()).isEqualTo(data.resolve("dev-admin.enrollment-code"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(r.enrollmentCodeFile())))
                    .isEqualTo("rw-------");
            firstCode = Files.readString(r.enrollmentCodeFile()).strip();
        }
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            AdminBootstrap.Result r = AdminBootstrap.ensureAdmin(node.accounts(), data, clock);
            String second = Files.readString(r.enrollmentCodeFile()).strip();
            assertThat(second).as("each start makes a fresh code").isNotEqualTo(firstCode);
            var store = node.accounts();
            assertThat(store.consumeEnrollmentCode("admin", io.stoq.fragmint.auth.EnrollmentCodes.hash(firstCode),
                    clock.instant())).as("the earlier code was replaced").isFalse();
            assertThat(store.consumeEnrollmentCode("admin", io.stoq.fragmint.auth.EnrollmentCodes.hash(second),
                    clock.instant())).isTrue();
            store.setTotpSecret("admin", io.stoq.fragmint.auth.Totp.newSecret());
        }
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            AdminBootstrap.Result r = AdminBootstrap.ensureAdmin(node.accounts(), data, clock);
            assertThat(r.enrollmentCodeFile()).isNull();
            assertThat(data.resolve("dev-admin.enrollment-code")).doesNotExist();
        }
    }
}
