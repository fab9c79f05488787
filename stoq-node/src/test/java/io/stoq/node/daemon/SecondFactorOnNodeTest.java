package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.node.accounts.AdminBootstrap;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Second factor and audit on a real {@link StoqNode}: the dev admin enrolls with the one-time code
 * the node wrote (its key alone cannot), a TOTP lockout survives a restart, and a flood of
 * requests without a key becomes aggregate audit records instead of one synced record each.
 */
class SecondFactorOnNodeTest {
    TestNode t;

    @BeforeEach
    void start() throws Exception {
        t = new TestNode();
    }

    @AfterEach
    void stop() throws Exception {
        t.close();
    }

    private HttpResponse<byte[]> enrollAdmin(String code) throws Exception {
        HttpRequest.Builder b = t.request("/v1/accounts/admin/totp", "admin");
        if (code != null) {
            b.header("X-Stoq-Enrollment-Code", code);
        }
        return t.send(b.POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    @Test
    void theDevAdminEnrollsWithTheCodeFileAndNotWithItsKeyAlone() throws Exception {
        Path codeFile = t.node.devAdmin().enrollmentCodeFile();
        assertThat(codeFile).isEqualTo(t.dir.resolve(AdminBootstrap.ENROLLMENT_CODE_FILE));
        assertThat(enrollAdmin(null).statusCode()).isEqualTo(403);
        HttpResponse<byte[]> ok = enrollAdmin(Files.readString(codeFile).strip());
        assertThat(ok.statusCode()).as(new String(ok.body())).isEqualTo(201);
        String secret = TestNode.json(ok).get("secret").asText();
        assertThat(secret).matches("[A-Z2-7]{32}");
        t.restart();
        assertThat(t.node.devAdmin().enrollmentCodeFile()).isNull();
        assertThat(codeFile).doesNotExist();
        TotpSecret enrolled = t.node.accounts().accounts().totpSecret("admin").orElseThrow();
        t.clock.step();
        HttpResponse<byte[]> session = t.send(t.request("/v1/sessions", "admin")
                .header("X-Stoq-TOTP", Totp.code(enrolled, t.clock.instant())).POST(HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(session.statusCode()).isEqualTo(201);
    }

    @Test
    void aTotpLockoutSurvivesARestart() throws Exception {
        for (int i = 0; i < 5; i++) {
            String right = t.totp("alice");
            String wrong = (char) ('0' + (right.charAt(0) - '0' + 1) % 10) + right.substring(1);
            t.send(t.request("/v1/sessions", "alice").header("X-Stoq-TOTP", wrong)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
        }
        t.restart();
        HttpResponse<byte[]> r = t.send(t.request("/v1/sessions", "alice").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void requestsWithoutAKeyAreAuditedAsCountsPerSourceAndMinute() throws Exception {
        AuditLog audit = t.node.accounts().audit();
        long before = audit.query(new AuditLog.Query(null, null, null, null), new PageRequest(null, 500)).items().size();
        for (int i = 0; i < 300; i++) {
            assertThat(t.send(t.request("/v1/assets", null).build()).statusCode()).isEqualTo(401);
        }
        assertThat(t.send(t.request("/v1/assets", "rita").build()).statusCode()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            t.clock.step(); // 90 s later every minute of the flood has closed
        }
        // A request's own record is appended as the request completes, which may be just after the
        // client has its answer: wait for rita's before counting.
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> !audit.query(new AuditLog.Query("rita", null, null, null),
                new PageRequest(null, 10)).items().isEmpty());
        t.node.accounts().flushAggregates();
        List<AuditRecord> after = audit.query(new AuditLog.Query(null, null, null, null), new PageRequest(null, 500))
                .items();
        List<AuditRecord> anonymous = after.stream().filter(r -> r.actor().equals("anonymous")).toList();
        assertThat(after.size() - before).as("records written for 301 requests").isLessThanOrEqualTo(3);
        assertThat(anonymous).isNotEmpty().allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.DENIED_UNAUTHENTICATED);
            assertThat(r.remote()).isEqualTo("127.0.0.1");
        });
        assertThat(anonymous.stream().mapToLong(AuditRecord::count).sum()).isEqualTo(300);
        assertThat(after).filteredOn(r -> r.actor().equals("rita")).singleElement()
                .satisfies(r -> assertThat(r.count()).isEqualTo(1));
    }
}
