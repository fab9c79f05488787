package io.stoq.node.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.fragmint.testnode.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's audit log on a real RocksDB: unauthenticated denials are folded per source, minute
 * and outcome (bounded by {@code audit.max-sources}) and written when the minute closes or at
 * shutdown; authenticated decisions stay one durable record each; records past the retention are
 * pruned. Time comes from a test clock.
 */
class AuditAggregationTest {
    private static final Instant T0 = Instant.parse("2026-11-24T08:00:00Z");

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(T0);

    private static AuditRecord anonymous(Instant at, String remote, AuditRecord.Outcome outcome) {
        return new AuditRecord(0, at, AuditRecord.ANONYMOUS, null, "listAssets", "GET", "/v1/assets", outcome,
                outcome == AuditRecord.Outcome.DENIED_RATE_LIMITED ? 429 : 401, remote);
    }

    private static AuditRecord allowed(Instant at, String actor) {
        return new AuditRecord(0, at, actor, "k1", "getAsset", "GET", "/v1/assets/a", AuditRecord.Outcome.ALLOWED,
                200, "10.0.0.9");
    }

    private static List<AuditRecord> all(AuditLog log) throws ApiException {
        List<AuditRecord> out = new ArrayList<>();
        String cursor = null;
        do {
            Page<AuditRecord> p = log.query(new AuditLog.Query(null, null, null, null), new PageRequest(cursor, 500));
            out.addAll(p.items());
            cursor = p.nextCursor();
        } while (cursor != null);
        return out;
    }

    @Test
    void aFloodOfUnauthenticatedDenialsBecomesOneRecordPerSourceMinuteAndOutcome() throws Exception {
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            AuditLog audit = node.audit();
            for (int i = 0; i < 3000; i++) {
                String source = "198.51.100." + (i % 3);
                AuditRecord.Outcome o = i % 10 == 0 ? AuditRecord.Outcome.DENIED_RATE_LIMITED
                        : AuditRecord.Outcome.DENIED_UNAUTHENTICATED;
                assertThat(audit.append(anonymous(T0.plusMillis(i * 10L), source, o)).seq()).isZero();
            }
            AuditRecord bob = audit.append(allowed(T0.plusSeconds(5), "bob"));
            assertThat(bob.seq()).as("an authenticated decision is written at once").isEqualTo(1);
            assertThat(all(audit)).containsExactly(bob);

            assertThat(node.flushAggregates()).as("the minute is still open").isZero();
            clock.advance(Duration.ofSeconds(60));
            node.flushAggregates(); // (the maintenance thread may have written some of them already)
            List<AuditRecord> records = all(audit);
            assertThat(records).hasSize(7);
            List<AuditRecord> aggregates = records.subList(1, 7);
            assertThat(aggregates).allSatisfy(r -> {
                assertThat(r.at()).isEqualTo(T0);
                assertThat(r.actor()).isEqualTo("anonymous");
                assertThat(r.remote()).startsWith("198.51.100.");
            });
            assertThat(aggregates.stream().mapToLong(AuditRecord::count).sum()).isEqualTo(3000);
            assertThat(aggregates).filteredOn(r -> r.outcome() == AuditRecord.Outcome.DENIED_RATE_LIMITED)
                    .extracting(AuditRecord::count).containsOnly(100L);
            assertThat(aggregates).filteredOn(r -> r.outcome() == AuditRecord.Outcome.DENIED_RATE_LIMITED)
                    .extracting(AuditRecord::status).containsOnly(429);
            assertThat(node.audit().openBuckets()).isZero();
        }
    }

    @Test
    void distinctSourcesBeyondTheCapAreCountedAsOther() throws Exception {
        try (NodeAccounts node = NodeAccounts.open(data, clock, new NodeAccounts.AuditSettings(Duration.ofDays(90), 4))) {
            for (int i = 0; i < 10_000; i++) {
                node.audit().append(anonymous(T0.plusMillis(i), "2001:db8::" + Integer.toHexString(i),
                        AuditRecord.Outcome.DENIED_UNAUTHENTICATED));
                assertThat(node.audit().openBuckets()).isLessThanOrEqualTo(5);
            }
            clock.advance(Duration.ofMinutes(1));
            node.flushAggregates();
            List<AuditRecord> records = all(node.audit());
            assertThat(records).hasSize(5);
            assertThat(records).filteredOn(r -> r.remote().equals(AggregatingAuditLog.OTHER))
                    .singleElement().satisfies(r -> assertThat(r.count()).isEqualTo(9_996));
            assertThat(records).filteredOn(r -> !r.remote().equals(AggregatingAuditLog.OTHER))
                    .extracting(AuditRecord::remote).containsExactly("2001:db8::0", "2001:db8::1", "2001:db8::2", "2001:db8::3");
        }
    }

    @Test
    void openBucketsAreWrittenAtShutdownAndCountsSurviveARestart() throws Exception {
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            for (int i = 0; i < 42; i++) {
                node.audit().append(anonymous(T0.plusSeconds(1), "203.0.113.7", AuditRecord.Outcome.DENIED_UNAUTHENTICATED));
            }
            assertThat(all(node.audit())).isEmpty();
        }
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            assertThat(all(node.audit())).singleElement().satisfies(r -> {
                assertThat(r.count()).isEqualTo(42);
                assertThat(r.remote()).isEqualTo("203.0.113.7");
                assertThat(r.seq()).isEqualTo(1);
            });
        }
    }

    @Test
    void recordsOlderThanTheRetentionArePruned() throws Exception {
        NodeAccounts.AuditSettings settings = new NodeAccounts.AuditSettings(Duration.ofDays(90), 1024);
        try (NodeAccounts node = NodeAccounts.open(data, clock, settings)) {
            node.audit().append(allowed(T0.minus(Duration.ofDays(120)), "old1"));
            node.audit().append(allowed(T0.minus(Duration.ofDays(91)), "old2"));
            node.audit().append(allowed(T0.minus(Duration.ofDays(89)), "young"));
            node.audit().append(allowed(T0, "now"));
            node.pruneExpired();
            assertThat(all(node.audit())).extracting(AuditRecord::actor).containsExactly("young", "now");
            clock.advance(Duration.ofDays(2));
            node.pruneExpired();
            assertThat(all(node.audit())).extracting(AuditRecord::actor).containsExactly("now");
            // the log stays gap-free from its first record and numbering goes on
            assertThat(all(node.audit())).extracting(AuditRecord::seq).containsExactly(4L);
            assertThat(node.audit().append(allowed(clock.instant(), "next")).seq()).isEqualTo(5);
            assertThat(node.pruneExpired()).isZero();
        }
        try (NodeAccounts node = NodeAccounts.open(data, clock, settings)) {
            assertThat(all(node.audit())).extracting(AuditRecord::actor).containsExactly("now", "next");
        }
    }

    @Test
    void pruningStopsAtTheFirstRecordInsideTheRetention() throws Exception {
        try (NodeAccounts node = NodeAccounts.open(data, clock)) {
            node.audit().append(allowed(T0.minus(Duration.ofDays(100)), "a"));
            node.audit().append(allowed(T0.minus(Duration.ofDays(1)), "b"));
            // written later with an older time (e.g. an aggregate): waits for its turn, no gap
            node.audit().append(allowed(T0.minus(Duration.ofDays(95)), "c"));
            node.pruneExpired();
            assertThat(all(node.audit())).extracting(AuditRecord::actor).containsExactly("b", "c");
        }
    }
}
