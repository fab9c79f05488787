package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.port.AuditRecord;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Credentials over time: revocation, expiry, TOTP replay, sessions, role changes, audit, rate limits. */
class AuthTest {
    TestServer t;

    @BeforeEach
    void start() throws Exception {
        t = new TestServer(ApiServerConfig.defaults().withPorts(0, -1));
    }

    @AfterEach
    void stop() throws Exception {
        t.close();
    }

    private HttpResponse<byte[]> createKey(String account, String bearer, String totp, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri("/v1/accounts/" + account + "/keys"))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json");
        if (totp != null) {
            b.header("X-Stoq-TOTP", totp);
        }
        return t.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private int me(String bearer) throws Exception {
        return t.send(HttpRequest.newBuilder(t.uri("/v1/me")).header("Authorization", "Bearer " + bearer).build())
                .statusCode();
    }

    @Test
    void createdKeyWorksUntilRevokedAndIsStoredOnlyAsHash() throws Exception {
        HttpResponse<byte[]> r = createKey("alice", t.keys.get("alice"), t.totp("alice"), "{\"label\":\"laptop\"}");
        assertThat(r.statusCode()).isEqualTo(201);
        JsonNode k = TestServer.json(r);
        String key = k.get("key").asText();
        assertThat(me(key)).isEqualTo(200);
        assertThat(t.node.accounts.apiKey(k.get("keyId").asText()).orElseThrow().secretHash()).doesNotContain(key)
                .hasSize(64);
        String listed = new String(t.send(t.request("/v1/accounts/alice/keys", "alice").build()).body());
        assertThat(listed).contains(k.get("keyId").asText()).doesNotContain(key);
        HttpResponse<byte[]> rev = t.send(t.request("/v1/accounts/alice/keys/" + k.get("keyId").asText(), "alice")
                .header("X-Stoq-TOTP", t.totp("alice")).DELETE().build());
        assertThat(rev.statusCode()).isEqualTo(204);
        assertThat(me(key)).isEqualTo(401);
        assertThat(me(t.keys.get("alice"))).isEqualTo(200);
    }

    @Test
    void expiredKeyIsRefused() throws Exception {
        String expires = t.clock.instant().plus(Duration.ofHours(1)).toString();
        JsonNode k = TestServer.json(createKey("alice", t.keys.get("alice"), t.totp("alice"),
                "{\"label\":\"short\",\"expiresAt\":\"" + expires + "\"}"));
        assertThat(me(k.get("key").asText())).isEqualTo(200);
        t.clock.advance(Duration.ofHours(2));
        assertThat(me(k.get("key").asText())).isEqualTo(401);
    }

    @Test
    void writersCannotManageOtherAccountsKeys() throws Exception {
        HttpResponse<byte[]> r = createKey("bob", t.keys.get("alice"), t.totp("alice"), "{}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(t.node.accounts.apiKeys("bob")).hasSize(1);
        assertThat(createKey("bob", t.keys.get("admin"), t.totp("admin"), "{}").statusCode()).isEqualTo(201);
    }

    @Test
    void totpCodeIsGoodOnce() throws Exception {
        String code = t.totp("alice");
        assertThat(createKey("alice", t.keys.get("alice"), code, "{}").statusCode()).isEqualTo(201);
        HttpResponse<byte[]> replay = createKey("alice", t.keys.get("alice"), code, "{}");
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(TestServer.json(replay).get("detail").asText()).contains("already used");
    }

    @Test
    void sessionCarriesTheSecondFactorUntilItExpires() throws Exception {
        HttpResponse<byte[]> s = t.send(t.request("/v1/sessions", "alice").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(s.statusCode()).isEqualTo(201);
        String token = TestServer.json(s).get("token").asText();
        assertThat(createKey("alice", token, null, "{}").statusCode()).isEqualTo(201);
        HttpResponse<byte[]> chained = t.send(HttpRequest.newBuilder(t.uri("/v1/sessions"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(chained.statusCode()).isEqualTo(403);
        t.clock.advance(Duration.ofMinutes(16));
        assertThat(createKey("alice", token, null, "{}").statusCode()).isEqualTo(401);
    }

    @Test
    void roleChangeTakesEffectAndEndsSessions() throws Exception {
        String token = TestServer.json(t.send(t.request("/v1/sessions", "bob").header("X-Stoq-TOTP", t.totp("bob"))
                .POST(HttpRequest.BodyPublishers.noBody()).build())).get("token").asText();
        HttpResponse<byte[]> change = t.send(t.request("/v1/accounts/bob/role", "admin")
                .header("Content-Type", "application/json").header("X-Stoq-TOTP", t.totp("admin"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"reader\"}")).build());
        assertThat(change.statusCode()).isEqualTo(200);
        assertThat(me(token)).isEqualTo(401);
        HttpResponse<byte[]> up = t.send(t.request("/v1/assets", "bob").POST(HttpRequest.BodyPublishers.ofString("x")).build());
        assertThat(up.statusCode()).isEqualTo(403);
        HttpResponse<byte[]> bad = t.send(t.request("/v1/accounts/bob/role", "admin")
                .header("Content-Type", "application/json").header("X-Stoq-TOTP", t.totp("admin"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"emperor\"}")).build());
        assertThat(bad.statusCode()).isEqualTo(422);
    }

    @Test
    void totpEnrollmentNeedsTheOldCodeToReplace() throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/accounts/alice/totp", "alice")
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).isEqualTo(401);
        HttpResponse<byte[]> ok = t.send(t.request("/v1/accounts/alice/totp", "alice").header("X-Stoq-TOTP",
                t.totp("alice")).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(ok.statusCode()).isEqualTo(201);
        assertThat(TestServer.json(ok).get("uri").asText()).startsWith("otpauth://totp/STOQ:alice?secret=");
    }

    @Test
    void everyDecisionIsAudited() throws Exception {
        t.send(t.request("/v1/assets", null).build());
        t.send(t.request("/v1/audit", "rita").build());
        String own = TestServer.json(t.send(t.request("/v1/assets", "alice")
                .POST(HttpRequest.BodyPublishers.ofString("mine")).build())).get("id").asText();
        t.send(t.request("/v1/assets/" + own, "alice").DELETE().build());
        t.send(t.request("/v1/assets", "alice").build());
        JsonNode page = TestServer.json(t.send(t.request("/v1/audit?limit=500", "audrey").build()));
        assertThat(page.get("items")).extracting(n -> n.get("outcome").asText() + " " + n.get("actor").asText()
                + " " + n.get("operation").asText() + " " + n.get("status").asInt())
                .contains("DENIED_UNAUTHENTICATED anonymous listAssets 401",
                        "DENIED_FORBIDDEN rita queryAudit 403",
                        "DENIED_SECOND_FACTOR alice deleteAsset 401",
                        "ALLOWED alice listAssets 200");
        JsonNode denied = TestServer.json(t.send(t.request("/v1/audit?outcome=DENIED_FORBIDDEN&actor=rita", "audrey")
                .build()));
        assertThat(denied.get("items")).hasSize(1);
        assertThat(denied.get("items").get(0).get("at").asText()).isNotEmpty();
        assertThat(t.node.accounts.auditRecords()).extracting(AuditRecord::outcome)
                .doesNotContain(AuditRecord.Outcome.PUBLIC);
    }

    @Test
    void aDecisionIsAuditedBeforeItsAnswerGoesOut() throws Exception {
        java.util.concurrent.CountDownLatch disk = new java.util.concurrent.CountDownLatch(1);
        t.node.accounts.holdAppends(disk);
        try {
            java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> answer = t.client(java.net.http.HttpClient.Version.HTTP_1_1).sendAsync(
                    t.request("/v1/assets", "alice").build(), HttpResponse.BodyHandlers.ofByteArray());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> t.node.accounts.appendsWaiting() == 1);
            // the audit write is stuck: the client must not have its answer (it would on a node
            // that audits after answering, and a crash then would lose an answered decision)
            assertThatThrownBy(() -> answer.get(500, java.util.concurrent.TimeUnit.MILLISECONDS))
                    .isInstanceOf(java.util.concurrent.TimeoutException.class);
            disk.countDown();
            assertThat(answer.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(t.node.accounts.auditRecords()).last().satisfies(r -> {
                assertThat(r.operation()).isEqualTo("listAssets");
                assertThat(r.actor()).isEqualTo("alice");
                assertThat(r.status()).isEqualTo(200);
            });
        } finally {
            t.node.accounts.holdAppends(null);
            disk.countDown();
        }
    }

    @Test
    void rateLimitAnswers429WithRetryAfter() throws Exception {
        try (TestServer slow = new TestServer(ApiServerConfig.defaults().withPorts(0, -1).withRates(1, 2, 1000))) {
            int limited = 0;
            for (int i = 0; i < 20; i++) {
                HttpResponse<byte[]> r = slow.send(slow.request("/v1/me", "alice").build());
                if (r.statusCode() == 429) {
                    limited++;
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    assertThat(TestServer.json(r).get("code").asText()).isEqualTo("RATE_LIMITED");
                }
            }
            assertThat(limited).isGreaterThan(0);
            assertThat(slow.send(slow.request("/v1/me", "rita").build()).statusCode()).isEqualTo(200);
        }
    }

    private HttpResponse<byte[]> session(String account, String code) throws Exception {
        return t.send(t.request("/v1/sessions", account).header("X-Stoq-TOTP", code)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private static String wrong(String right) {
        return right.charAt(0) == '9' ? "0" + right.substring(1) : (char) (right.charAt(0) + 1) + right.substring(1);
    }

    @Test
    void aBurstOfParallelGuessesGetsNoMoreCodesCheckedThanTheLimit() throws Exception {
        String bad = wrong(t.totp("alice"));
        java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 24; i++) {
            burst.add(t.client(java.net.http.HttpClient.Version.HTTP_1_1).sendAsync(t.request("/v1/sessions", "alice")
                    .header("X-Stoq-TOTP", bad).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        java.util.Map<Integer, Long> statuses = burst.stream().map(java.util.concurrent.CompletableFuture::join)
                .collect(java.util.stream.Collectors.groupingBy(HttpResponse::statusCode,
                        java.util.stream.Collectors.counting()));
        // five codes were checked: four answered "wrong", the fifth started the lockout; the rest never got checked
        assertThat(statuses).containsEntry(401, 4L).containsEntry(429, 20L);
        assertThat(t.node.accounts.auditRecords()).filteredOn(r -> r.outcome() == AuditRecord.Outcome.SECOND_FACTOR_LOCKED)
                .hasSize(1).allSatisfy(r -> assertThat(r.actor()).isEqualTo("alice"));
        assertThat(session("alice", t.totp("alice")).statusCode()).isEqualTo(429);
    }

    @Test
    void lockoutsGrowUntilACodeIsAcceptedAndEndOnTheirOwn() throws Exception {
        long[] periods = new long[3];
        for (int round = 0; round < 3; round++) {
            HttpResponse<byte[]> last = null;
            for (int i = 0; i < 5; i++) {
                last = session("bob", wrong(t.totp("bob")));
            }
            assertThat(last.statusCode()).isEqualTo(429);
            periods[round] = Long.parseLong(last.headers().firstValue("Retry-After").orElseThrow());
            t.clock.advance(Duration.ofSeconds(periods[round] - 31));
            assertThat(session("bob", t.totp("bob")).statusCode()).as("still locked").isEqualTo(429);
            t.clock.advance(Duration.ofSeconds(1));
            if (round == 1) {
                assertThat(session("bob", t.totp("bob")).statusCode()).as("the lockout ended").isEqualTo(201);
            }
        }
        // 5 min, then 10 min; an accepted code resets the escalation: 5 min again
        assertThat(periods).containsExactly(300, 600, 300);
    }

    @Test
    void aWrongCodeWindowForgetsOldMistakes() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(session("rita", wrong(t.totp("rita"))).statusCode()).isEqualTo(401);
        }
        t.clock.advance(Duration.ofMinutes(15));
        assertThat(session("rita", wrong(t.totp("rita"))).statusCode()).as("a new window").isEqualTo(401);
    }

    @Test
    void enrollmentCodesAreStoredHashedAndExpire() throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/accounts/rita/totp/enrollment-code", "admin")
                .header("X-Stoq-TOTP", t.totp("admin")).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).isEqualTo(201);
        String code = TestServer.json(r).get("code").asText();
        assertThat(TestServer.json(r).get("expiresAt").asText()).isEqualTo(t.clock.instant().plus(Duration.ofHours(1)).toString());
        var stored = t.node.accounts.enrollmentCode("rita").orElseThrow();
        assertThat(stored.codeHash()).hasSize(64).doesNotContain(code).doesNotContain(code.replace("-", ""));
        assertThat(stored.createdBy()).isEqualTo("admin");
        t.clock.advance(Duration.ofMinutes(61));
        HttpResponse<byte[]> late = t.send(t.request("/v1/accounts/rita/totp", "rita").header("X-Stoq-Enrollment-Code", code)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(late.statusCode()).isEqualTo(403);
        assertThat(t.node.accounts.enrollmentCode("rita")).as("an expired code is removed").isEmpty();
    }

    @Test
    void anAdminsCodeResetsALostSecondFactor() throws Exception {
        String old = t.node.accounts.totpSecret("rita").orElseThrow().toString();
        HttpResponse<byte[]> r = t.send(t.request("/v1/accounts/rita/totp/enrollment-code", "admin")
                .header("X-Stoq-TOTP", t.totp("admin")).POST(HttpRequest.BodyPublishers.noBody()).build());
        String code = TestServer.json(r).get("code").asText();
        HttpResponse<byte[]> reset = t.send(t.request("/v1/accounts/rita/totp", "rita").header("X-Stoq-Enrollment-Code", code)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(reset.statusCode()).isEqualTo(201);
        assertThat(t.node.accounts.totpSecret("rita").orElseThrow().toString()).isEqualTo(old); // same parameters
        assertThat(TestServer.json(reset).get("secret").asText()).isNotEmpty();
        assertThat(session("rita", t.totp("rita")).statusCode()).as("the old secret is gone").isEqualTo(401);
    }
}
