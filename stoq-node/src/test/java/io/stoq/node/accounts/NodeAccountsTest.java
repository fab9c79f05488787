package io.stoq.node.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.auth.EnrollmentCodes;
import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.port.Account;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.StoredApiKey;
import io.stoq.fragmint.port.TotpAttempts;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable account store and audit log on a real RocksDB in a temp data directory. */
class NodeAccountsTest {
    @TempDir
    Path data;

    private final Clock clock = Clock.systemUTC();

    @Test
    void accountsKeysRolesAndTotpSurviveReopen() throws Exception {
        ApiKeys.Issued key = ApiKeys.issue("alice", "laptop", clock.instant(), null);
        TotpSecret secret = Totp.newSecret();
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            RocksAccountStore s = node.accounts();
            s.create("alice", Role.WRITER, "Alice");
            s.create("bob", Role.READER, null);
            s.addApiKey(key.stored());
            s.setRole("alice", Role.OPERATOR);
            s.setTotpSecret("alice", secret);
            assertThat(s.markTotpCounterUsed("alice", 100)).isTrue();
        }
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            RocksAccountStore s = node.accounts();
            Account alice = s.account("alice").orElseThrow();
            assertThat(alice.role()).isEqualTo(Role.OPERATOR);
            assertThat(alice.totpEnrolled()).isTrue();
            assertThat(s.account("bob").orElseThrow().displayName()).isNull();
            assertThat(s.apiKey(key.stored().keyId())).contains(key.stored());
            assertThat(ApiKeys.matches(key.plaintext(), s.apiKey(key.stored().keyId()).orElseThrow())).isTrue();
            assertThat(s.apiKeys("alice")).containsExactly(key.stored());
            assertThat(s.apiKeys("bob")).isEmpty();
            assertThat(s.totpSecret("alice")).contains(secret);
            assertThat(s.markTotpCounterUsed("alice", 100)).as("replay after restart").isFalse();
            assertThat(s.markTotpCounterUsed("alice", 101)).isTrue();
        }
    }

    @Test
    void conflictsAndUnknownIdsAreTypedErrors() throws Exception {
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            RocksAccountStore s = node.accounts();
            s.create("alice", Role.WRITER, "Alice");
            assertError(() -> s.create("alice", Role.ADMIN, "x"), ApiError.CONFLICT);
            assertThat(s.account("alice").orElseThrow().role()).isEqualTo(Role.WRITER);
            assertError(() -> s.setRole("nobody", Role.ADMIN), ApiError.NOT_FOUND);
            StoredApiKey k = ApiKeys.issue("alice", null, clock.instant(), null).stored();
            s.addApiKey(k);
            assertError(() -> { s.addApiKey(k); return null; }, ApiError.CONFLICT);
            assertError(() -> { s.revokeApiKey("bob", k.keyId()); return null; }, ApiError.NOT_FOUND);
            s.revokeApiKey("alice", k.keyId());
            assertThat(s.apiKey(k.keyId()).orElseThrow().revoked()).isTrue();
            assertError(() -> { s.setTotpSecret("nobody", Totp.newSecret()); return null; }, ApiError.NOT_FOUND);
            assertThat(s.account("nobody")).isEmpty();
        }
    }

    @Test
    void accountsPageInIdOrder() throws Exception {
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            RocksAccountStore s = node.accounts();
            for (String id : List.of("e", "a", "d", "c", "b")) {
                s.create(id, Role.READER, id);
            }
            List<String> seen = new ArrayList<>();
            String cursor = null;
            do {
                Page<Account> p = s.accounts(new PageRequest(cursor, 2));
                assertThat(p.items()).hasSizeLessThanOrEqualTo(2);
                p.items().forEach(a -> seen.add(a.id()));
                cursor = p.nextCursor();
            } while (cursor != null);
            assertThat(seen).containsExactly("a", "b", "c", "d", "e");
        }
    }

    @Test
    void totpCounterIsForwardOnlyAndAtomicUnderRace() throws Exception {
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            RocksAccountStore s = node.accounts();
            s.create("alice", Role.WRITER, null);
            s.setTotpSecret("alice", Totp.newSecret());
            assertThat(s.markTotpCounterUsed("alice", 10)).isTrue();
            assertThat(s.markTotpCounterUsed("alice", 10)).isFalse();
            assertThat(s.markTotpCounterUsed("alice", 9)).isFalse();
            // 8 threads race to use the same code: exactly one wins
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> wins = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    wins.add(pool.submit(() -> s.markTotpCounterUsed("alice", 11)));
                }
                int won = 0;
                for (Future<Boolean> f : wins) {
                    won += f.get() ? 1 : 0;
                }
                assertThat(won).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
            // a new secret starts a fresh counter
            s.setTotpSecret("alice", Totp.newSecret());
            assertThat(s.markTotpCounterUsed("alice", 5)).isTrue();
        }
    }

    @Test
    void totpSecretIsNotReadableInTheDatabaseFiles() throws Exception {
        byte[] raw = "SUPER-SECRET-TOTP-KEY-0123456789".getBytes(StandardCharsets.US_ASCII);
        TotpSecret secret = new TotpSecret(raw, "HmacSHA1", 6, 30);
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            node.accounts().create("alice", Role.WRITER, null);
            node.accounts().setTotpSecret("alice", secret);
        }
        // the plaintext must appear in no file under node-db (WAL, SST, manifest, ...)
        List<Path> files;
        try (Stream<Path> walk = Files.walk(data.resolve(NodeAccounts.DB_DIR))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).isNotEmpty();
        byte[] accountId = "alice".getBytes(StandardCharsets.US_ASCII);
        boolean sawAccount = false;
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            assertThat(indexOf(content, raw)).as("plaintext TOTP key in %s", f).isEqualTo(-1);
            sawAccount |= indexOf(content, accountId) >= 0;
        }
        assertThat(sawAccount).as("the grep can find plain text at all").isTrue();
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            assertThat(node.accounts().totpSecret("alice")).contains(secret);
        }
    }

    @Test
    void secretsKeyIsOwnerOnly() throws Exception {
        NodeAccounts.open(data, clock).close();
        Path key = SecretsKey.path(data);
        assertThat(Files.size(key)).isEqualTo(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    }

    @Test
    void missingSecretsKeyIsRefusedClearly() throws Exception {
        NodeAccounts.open(data, clock).close();
        Files.delete(SecretsKey.path(data));
        assertThatThrownBy(() -> NodeAccounts.open(data, clock))
                .isInstanceOf(NodeException.class)
                .hasMessageContaining("secrets.key is missing")
                .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeErrorCode.CORRUPT_DATA));
        assertThat(SecretsKey.path(data)).doesNotExist();
    }

    @Test
    void truncatedOrSwappedSecretsKeyIsRefusedClearly() throws Exception {
        NodeAccounts.open(data, clock).close();
        Path key = SecretsKey.path(data);
        byte[] original = Files.readAllBytes(key);
        Files.write(key, new byte[7]);
        assertThatThrownBy(() -> NodeAccounts.open(data, clock))
                .isInstanceOf(NodeException.class).hasMessageContaining("is corrupt: 7 bytes");
        Files.write(key, new byte[32]);
        assertThatThrownBy(() -> NodeAccounts.open(data, clock))
                .isInstanceOf(NodeException.class).hasMessageContaining("is not the key this node database");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> NodeAccounts.open(data, clock))
                .isInstanceOf(NodeException.class).hasMessageContaining("permissions");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.write(key, original);
        NodeAccounts.open(data, clock).close();
    }

    @Test
    void concurrentAuditAppendsGetUniqueSequenceNumbersAndSurviveReopen() throws Exception {
        int threads = 8;
        int perThread = 250;
        Set<Long> seqs = new HashSet<>();
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            AuditLog audit = node.audit();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<Long>>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String actor = "user" + t;
                    Callable<List<Long>> job = () -> {
                        List<Long> mine = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            mine.add(audit.append(record(actor, AuditRecord.Outcome.ALLOWED)).seq());
                        }
                        return mine;
                    };
                    results.add(pool.submit(job));
                }
                for (Future<List<Long>> f : results) {
                    seqs.addAll(f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(seqs).hasSize(threads * perThread);
        assertThat(seqs).allMatch(s -> s >= 1 && s <= threads * perThread);
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            List<AuditRecord> all = readAll(node.audit(), new AuditLog.Query(null, null, null, null), 500);
            assertThat(all).hasSize(threads * perThread);
            assertThat(all).extracting(AuditRecord::seq).isSorted();
            assertThat(readAll(node.audit(), new AuditLog.Query("user3", null, null, null), 100))
                    .hasSize(perThread).allMatch(r -> r.actor().equals("user3"));
            // numbering continues after a restart
            assertThat(node.audit().append(record("late", AuditRecord.Outcome.PUBLIC)).seq())
                    .isEqualTo(threads * perThread + 1L);
        }
    }

    @Test
    void auditQueryFiltersByOutcomeAndTime() throws Exception {
        // inside the retention: the node prunes older records in the background right after opening,
        // so a fixed date fails once the calendar passes it by the retention (it did on 2026-12-02)
        Instant t0 = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).minusSeconds(60);
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            AuditLog audit = node.audit();
            for (int i = 0; i < 10; i++) {
                AuditRecord.Outcome o = i % 2 == 0 ? AuditRecord.Outcome.ALLOWED : AuditRecord.Outcome.DENIED_FORBIDDEN;
                audit.append(new AuditRecord(0, t0.plusSeconds(i), "bob", "k1", "getAsset", "GET",
                        "/v1/assets/x", o, o == AuditRecord.Outcome.ALLOWED ? 200 : 403, "127.0.0.1"));
            }
            List<AuditRecord> denied = readAll(audit,
                    new AuditLog.Query(null, AuditRecord.Outcome.DENIED_FORBIDDEN, null, null), 2);
            assertThat(denied).hasSize(5).allMatch(r -> r.status() == 403);
            List<AuditRecord> window = readAll(audit,
                    new AuditLog.Query("bob", null, t0.plusSeconds(2), t0.plusSeconds(5)), 50);
            assertThat(window).extracting(AuditRecord::at)
                    .containsExactly(t0.plusSeconds(2), t0.plusSeconds(3), t0.plusSeconds(4));
            assertThat(window.get(0)).isEqualTo(new AuditRecord(window.get(0).seq(), t0.plusSeconds(2), "bob",
                    "k1", "getAsset", "GET", "/v1/assets/x", AuditRecord.Outcome.ALLOWED, 200, "127.0.0.1"));
            assertError(() -> audit.query(new AuditLog.Query(null, null, null, null), new PageRequest("zz", 5)),
                    ApiError.BAD_REQUEST);
        }
    }

    @Test
    void closedAuditLogRefusesAppends() throws Exception {
        NodeAccounts node = NodeAccounts.open(data, clock);
        AuditLog audit = node.audit();
        audit.append(record("a", AuditRecord.Outcome.ALLOWED));
        node.close();
        assertError(() -> audit.append(record("a", AuditRecord.Outcome.ALLOWED)), ApiError.UNAVAILABLE);
    }

    @Test
    void totpAttemptsAndEnrollmentCodesAreDurableAndAtomic() throws Exception {
        Instant now = clock.instant();
        TotpAttempts locked = new TotpAttempts(0, null, 2, now.plusSeconds(600));
        EnrollmentCodes.Issued code = EnrollmentCodes.issue("admin", now, java.time.Duration.ofHours(1));
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            RocksAccountStore s = node.accounts();
            s.create("alice", Role.WRITER, "Alice");
            assertThat(s.totpAttempts("alice")).isEqualTo(TotpAttempts.NONE);
            // parallel updates are serialised: none is lost
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<TotpAttempts>> fs = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    fs.add(pool.submit(() -> s.updateTotpAttempts("alice",
                            a -> new TotpAttempts(a.failures() + 1, now, a.lockouts(), a.lockedUntil()))));
                }
                for (Future<TotpAttempts> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(s.totpAttempts("alice").failures()).isEqualTo(64);
            s.updateTotpAttempts("alice", a -> locked);
            s.setEnrollmentCode("alice", code.stored());
            assertError(() -> { s.setEnrollmentCode("nobody", code.stored()); return null; }, ApiError.NOT_FOUND);
        }
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            RocksAccountStore s = node.accounts();
            assertThat(s.totpAttempts("alice")).as("a restart hands no fresh allowance").isEqualTo(locked);
            assertThat(s.consumeEnrollmentCode("alice", EnrollmentCodes.hash("AAAA-BBBB"), now)).isFalse();
            assertThat(s.consumeEnrollmentCode("alice", EnrollmentCodes.hash(code.plaintext()), now)).isTrue();
            assertThat(s.consumeEnrollmentCode("alice", EnrollmentCodes.hash(code.plaintext()), now)).isFalse();
            s.setTotpSecret("alice", Totp.newSecret());
            assertThat(s.totpAttempts("alice")).as("a new secret clears the count").isEqualTo(TotpAttempts.NONE);
        }
        try (Stream<Path> files = Files.walk(data.resolve(NodeAccounts.DB_DIR))) {
            byte[] plain = code.plaintext().getBytes(StandardCharsets.US_ASCII);
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(indexOf(Files.readAllBytes(f), plain)).as("%s holds the enrollment code", f).isNegative();
            }
        }
    }

    @Test
    void expiredEnrollmentCodesAreRefusedAndRemoved() throws Exception {
        Instant now = clock.instant();
        EnrollmentCodes.Issued code = EnrollmentCodes.issue("admin", now, java.time.Duration.ofMinutes(5));
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            RocksAccountStore s = node.accounts();
            s.create("bob", Role.READER, null);
            s.setEnrollmentCode("bob", code.stored());
            assertThat(s.consumeEnrollmentCode("bob", code.stored().codeHash(), now.plusSeconds(300))).isFalse();
            assertThat(s.consumeEnrollmentCode("bob", code.stored().codeHash(), now)).as("removed").isFalse();
        }
    }

    @Test
    void auditRecordsWrittenBeforeAggregationStillRead() throws Exception {
        // a version-1 record, byte for byte as the previous release wrote it (no count)
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeLong(7);
            out.writeLong(1_700_000_000L);
            out.writeInt(5);
            out.writeUTF("bob");
            out.writeBoolean(false);
            out.writeUTF("getAsset");
            out.writeUTF("GET");
            out.writeUTF("/v1/assets/x");
            out.writeUTF("ALLOWED");
            out.writeShort(200);
            out.writeBoolean(true);
            out.writeUTF("127.0.0.1");
        }
        AuditRecord r = Records.audit(bytes.toByteArray());
        assertThat(r).isEqualTo(new AuditRecord(7, Instant.ofEpochSecond(1_700_000_000L, 5), "bob", null, "getAsset",
                "GET", "/v1/assets/x", AuditRecord.Outcome.ALLOWED, 200, "127.0.0.1"));
        assertThat(r.count()).isEqualTo(1);
        AuditRecord aggregate = r.withCount(12);
        assertThat(Records.audit(Records.audit(aggregate))).isEqualTo(aggregate);
    }

    private AuditRecord record(String actor, AuditRecord.Outcome outcome) {
        return new AuditRecord(0, clock.instant(), actor, null, "listAssets", "GET", "/v1/assets", outcome, 200,
                "127.0.0.1");
    }

    private static List<AuditRecord> readAll(AuditLog audit, AuditLog.Query q, int limit) throws ApiException {
        List<AuditRecord> all = new ArrayList<>();
        String cursor = null;
        do {
            Page<AuditRecord> p = audit.query(q, new PageRequest(cursor, limit));
            all.addAll(p.items());
            cursor = p.nextCursor();
        } while (cursor != null);
        return all;
    }

    private static void assertError(Callable<?> call, ApiError expected) {
        assertThatThrownBy(call::call).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(expected));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
