package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.http.Json;
import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.TotpAttempts;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.net.URI;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The API contract, run against any {@link ContractServer}: every operation in the served OpenAPI
 * document answers as documented: its success status for a valid call; 401 without or with a wrong
 * credential; 403 for a role without its permission; 401 TOTP_REQUIRED without a second factor
 * where {@code x-stoq-totp} says so; and only statuses the document lists. A route added without a
 * fixture here fails the test. One abstract class so the test double (fragmint-api's
 * {@code OpenApiContractTest}) and the real node (stoq-node's {@code OpenApiContractOnNodeTest})
 * are held to the very same assertions; stoq-node gets it through this module's test-jar.
 *
 * <p>Every asset route is also called by a second user on the first user's private asset
 * ({@link #aSecondUserSeesAPrivateAssetOnlyWhileGranted}): 404 as if it did not exist, reads
 * allowed once the owner grants it, writes still 403, 404 again after the revocation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class OpenApiContract {
    protected ContractServer t;
    protected JsonNode doc;
    protected String assetId;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** Starts the server under test (with the fixture accounts {@link ContractServer} lists). */
    protected abstract ContractServer startServer() throws Exception;

    @BeforeAll
    public void start() throws Exception {
        t = startServer();
        HttpResponse<byte[]> r = send(request("/v1/openapi.json", null).build());
        assertThat(r.statusCode()).isEqualTo(200);
        doc = json(r);
        assetId = upload("alice");
        // rita (reader) reads alice's asset in the fixtures below: only because alice grants it
        assertThat(grant("alice", assetId, "rita").statusCode()).isEqualTo(201);
    }

    @AfterAll
    public void stop() throws Exception {
        if (t != null) {
            t.close();
        }
    }

    protected URI uri(String path) {
        return URI.create("http://127.0.0.1:" + t.port() + path);
    }

    /** A request builder with the account's key (null account: no credential). */
    protected HttpRequest.Builder request(String path, String account) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60));
        if (account != null) {
            b.header("Authorization", "Bearer " + t.key(account));
        }
        return b;
    }

    protected HttpResponse<byte[]> send(HttpRequest r) throws IOException, InterruptedException {
        return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    protected static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return Json.MAPPER.readTree(r.body());
    }

    String upload(String account) throws Exception {
        HttpResponse<byte[]> r = send(request("/v1/assets", account)
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return json(r).get("id").asText();
    }

    /** {@code owner} lets {@code account} read the asset, through the API (with the owner's TOTP). */
    HttpResponse<byte[]> grant(String owner, String asset, String account) throws Exception {
        return send(json("/v1/assets/" + asset + "/grants", owner, "POST", "{\"account\":\"" + account + "\"}")
                .header("X-Stoq-TOTP", t.totp(owner)).build());
    }

    HttpResponse<byte[]> revoke(String owner, String asset, String account) throws Exception {
        return send(request("/v1/assets/" + asset + "/grants/" + account, owner).DELETE().build());
    }

    record Op(String method, String path, JsonNode spec) {}

    /** The routes' operations; the HEAD beside each GET is checked by HttpConformanceContract. */
    Map<String, Op> operations() {
        Map<String, Op> ops = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<Map.Entry<String, JsonNode>> m = path.getValue().fields(); m.hasNext(); ) {
                Map.Entry<String, JsonNode> op = m.next();
                if (op.getKey().equals("head")) {
                    continue;
                }
                ops.put(op.getValue().get("operationId").asText(),
                        new Op(op.getKey().toUpperCase(), path.getKey(), op.getValue()));
            }
        }
        return ops;
    }

    String concrete(String path) {
        return path.replace("{id}", path.startsWith("/v1/accounts") ? "alice" : path.startsWith("/v1/nodes")
                ? t.nodeId() : assetId).replace("{keyId}", "0123456789abcdef").replace("{height}", "0")
                .replace("{account}", "bob").replace("{version}", "1");
    }

    HttpRequest.Builder generic(Op op, String account, String bearer) {
        HttpRequest.Builder b = request(concrete(op.path()), account);
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpRequest.BodyPublisher body = op.spec().has("requestBody")
                ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody();
        if (op.spec().has("requestBody") && op.spec().get("requestBody").get("content").has("application/json")) {
            b.header("Content-Type", "application/json");
        }
        return b.method(op.method(), body);
    }

    static void documented(Op op, HttpResponse<byte[]> r) {
        assertThat(op.spec().get("responses").has(Integer.toString(r.statusCode())))
                .as("%s %s answered %d, not documented: %s", op.method(), op.path(), r.statusCode(),
                        new String(r.body(), StandardCharsets.UTF_8))
                .isTrue();
        if (r.statusCode() >= 400) {
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
    }

    @Test
    public void documentIsOpenApi31AndCoversTheRouteTable() {
        assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
        assertThat(operations()).hasSize(t.routeCount());
        Set<String> refs = new TreeSet<>();
        doc.findValues("$ref").forEach(n -> refs.add(n.asText().replace("#/components/schemas/", "")));
        for (String ref : refs) {
            assertThat(doc.get("components").get("schemas").has(ref)).as(ref).isTrue();
        }
    }

    @Test
    public void everyProtectedRouteRefusesMissingAndWrongCredentials() throws Exception {
        String bogus = ApiKeys.issue("alice", "x", t.now(), null).plaintext();
        for (Op op : operations().values()) {
            if (op.spec().get("security").isEmpty()) {
                continue;
            }
            for (String bearer : new String[] {null, bogus, "stqs_notasession", "garbage"}) {
                HttpResponse<byte[]> r = send(generic(op, null, bearer).build());
                assertThat(r.statusCode()).as("%s %s with %s", op.method(), op.path(), bearer).isEqualTo(401);
                assertThat(json(r).get("code").asText()).isEqualTo("UNAUTHENTICATED");
                assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
                documented(op, r);
            }
        }
    }

    @Test
    public void everyProtectedRouteRefusesAMissingRole() throws Exception {
        Map<Role, String> accountOf = Map.of(Role.ADMIN, "admin", Role.OPERATOR, "otto", Role.WRITER, "alice",
                Role.READER, "rita", Role.AUDITOR, "audrey");
        int checked = 0;
        for (Op op : operations().values()) {
            if (op.spec().get("security").isEmpty()) {
                continue;
            }
            Permission p = Permission.valueOf(op.spec().get("x-stoq-permission").asText());
            for (Role role : Role.values()) {
                if (p.grantedTo(role)) {
                    continue;
                }
                HttpResponse<byte[]> r = send(generic(op, accountOf.get(role), null).build());
                assertThat(r.statusCode()).as("%s %s as %s", op.method(), op.path(), role).isEqualTo(403);
                assertThat(json(r).get("code").asText()).isEqualTo("FORBIDDEN");
                documented(op, r);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(30);
    }

    @Test
    public void everyTotpRouteRefusesAMissingOrWrongSecondFactor() throws Exception {
        Map<Role, String> accountOf = Map.of(Role.ADMIN, "admin", Role.WRITER, "alice", Role.READER, "rita");
        int checked = 0;
        for (Op op : operations().values()) {
            if (!op.spec().path("x-stoq-totp").asBoolean(false)) {
                continue;
            }
            Permission p = Permission.valueOf(op.spec().get("x-stoq-permission").asText());
            Role role = p.grantedTo(Role.WRITER) ? Role.WRITER : Role.ADMIN;
            for (String code : new String[] {null, "000000", "12345"}) {
                HttpRequest.Builder b = generic(op, accountOf.get(role), null);
                if (code != null) {
                    b.header("X-Stoq-TOTP", code);
                }
                HttpResponse<byte[]> r = send(b.build());
                assertThat(r.statusCode()).as("%s %s code %s", op.method(), op.path(), code).isEqualTo(401);
                assertThat(json(r).get("code").asText()).isEqualTo("TOTP_REQUIRED");
                assertThat(r.headers().firstValue("WWW-Authenticate").orElse(""))
                        .contains("insufficient_user_authentication");
                documented(op, r);
                checked++;
                // wrong codes count towards the TOTP lockout; this test is about each route, not that
                t.accounts().updateTotpAttempts(accountOf.get(role), a -> TotpAttempts.NONE);
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(3 * 8);
    }

    @Test
    public void everyRouteAnswersItsDocumentedSuccess() throws Exception {
        Map<String, Callable<HttpResponse<byte[]>>> f = fixtures();
        Map<String, Op> ops = operations();
        assertThat(f.keySet()).containsExactlyInAnyOrderElementsOf(ops.keySet());
        for (Map.Entry<String, Op> e : ops.entrySet()) {
            String op = e.getKey();
            if (op.equals("subscribeEvents")) {
                continue;
            }
            HttpResponse<byte[]> r = f.get(op).call();
            String success = e.getValue().spec().get("responses").fieldNames().next();
            assertThat(Integer.toString(r.statusCode())).as("%s: %s", op, new String(r.body(), StandardCharsets.UTF_8))
                    .isEqualTo(success);
            documented(e.getValue(), r);
            String type = r.headers().firstValue("Content-Type").orElse("");
            JsonNode content = e.getValue().spec().get("responses").get(success).get("content");
            if (content != null && content.has("application/json")) {
                assertThat(type).startsWith("application/json");
                json(r);
            }
        }
        // WebSocket: 101 then open.
        WebSocket ws = client.newWebSocketBuilder()
                .header("Authorization", "Bearer " + t.key("rita"))
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + t.port() + "/v1/events"),
                        new WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        try {
            client.newWebSocketBuilder()
                    .buildAsync(java.net.URI.create("ws://127.0.0.1:" + t.port() + "/v1/events"),
                            new WebSocket.Listener() {}).join();
            throw new AssertionError("unauthenticated WebSocket must be refused");
        } catch (CompletionException expected) {
            assertThat(expected.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
            assertThat(((java.net.http.WebSocketHandshakeException) expected.getCause()).getResponse().statusCode())
                    .isEqualTo(401);
        }
    }

    @Test
    public void aSecondUserSeesAPrivateAssetOnlyWhileGranted() throws Exception {
        String a = upload("alice");
        Map<String, Callable<HttpResponse<byte[]>>> bob = secondUser("bob", a);
        Map<String, Op> ops = operations();
        Set<String> assetOps = new TreeSet<>();
        ops.forEach((id, op) -> {
            if (op.path().startsWith("/v1/assets/{id}") || id.equals("listAssets")) {
                assetOps.add(id);
            }
        });
        assertThat(bob.keySet()).as("a second-user case for every asset route").containsExactlyInAnyOrderElementsOf(assetOps);
        // rita is a reader: her role already refuses the writes (403 whatever the asset), so only reads
        Map<String, Callable<HttpResponse<byte[]>>> rita = new HashMap<>(secondUser("rita", a));
        rita.keySet().retainAll(Set.of("listAssets", "getAsset", "getAssetContent", "getAssetHistory", "getAssetProof",
                "getAssetLocations"));

        expectSecondUser(ops, bob, a, 404, 404); // not granted: exactly as if the asset did not exist
        expectSecondUser(ops, rita, a, 404, 404);
        assertThat(grant("alice", a, "bob").statusCode()).isEqualTo(201);
        expectSecondUser(ops, bob, a, 200, 403); // may read, may not change
        expectSecondUser(ops, rita, a, 404, 404); // a grant is for one account only
        assertThat(grant("alice", a, "rita").statusCode()).isEqualTo(201);
        expectSecondUser(ops, rita, a, 200, 403);
        assertThat(revoke("alice", a, "bob").statusCode()).isEqualTo(204);
        assertThat(revoke("alice", a, "rita").statusCode()).isEqualTo(204);
        expectSecondUser(ops, bob, a, 404, 404);
        expectSecondUser(ops, rita, a, 404, 404);
        // the owner still has it all, unchanged by the second user's attempts
        JsonNode mine = json(send(request("/v1/assets/" + a, "alice").build()));
        assertThat(mine.get("owner").asText()).isEqualTo("alice");
        assertThat(mine.get("version").asLong()).isEqualTo(1);
    }

    /** One call per asset route, by {@code user}, on asset {@code a} (writes with the user's TOTP). */
    private Map<String, Callable<HttpResponse<byte[]>>> secondUser(String user, String a) {
        String p = "/v1/assets/" + a;
        Map<String, Callable<HttpResponse<byte[]>>> c = new HashMap<>();
        c.put("listAssets", () -> send(request("/v1/assets?owner=alice&limit=500", user).build()));
        c.put("getAsset", () -> send(request(p, user).build()));
        c.put("getAssetContent", () -> send(request(p + "/content", user).build()));
        c.put("getAssetHistory", () -> send(request(p + "/history", user).build()));
        c.put("getAssetProof", () -> send(request(p + "/proof", user).build()));
        c.put("getAssetLocations", () -> send(request(p + "/locations", user).build()));
        c.put("updateAssetContent", () -> send(request(p + "/content", user)
                .PUT(HttpRequest.BodyPublishers.ofString(user + " was here")).build()));
        c.put("transferAsset", () -> send(json(p + "/transfers", user, "POST", "{\"newOwner\":\"" + user + "\"}")
                .header("X-Stoq-TOTP", t.totp(user)).build()));
        c.put("deleteAsset", () -> send(request(p, user).header("X-Stoq-TOTP", t.totp(user)).DELETE().build()));
        c.put("deleteAssetVersion", () -> send(request(p + "/versions/1", user).header("X-Stoq-TOTP", t.totp(user))
                .DELETE().build()));
        c.put("createAssetGrant", () -> send(json(p + "/grants", user, "POST", "{\"account\":\"otto\"}")
                .header("X-Stoq-TOTP", t.totp(user)).build()));
        c.put("listAssetGrants", () -> send(request(p + "/grants", user).build()));
        c.put("revokeAssetGrant", () -> send(request(p + "/grants/" + user, user).DELETE().build()));
        return c;
    }

    /**
     * Calls each of {@code user}'s cases on asset {@code a}: reads must answer {@code read} (for the
     * listing: the asset is in it exactly when {@code read} is 200), writes {@code write}.
     */
    private void expectSecondUser(Map<String, Op> ops, Map<String, Callable<HttpResponse<byte[]>>> user, String a,
            int read, int write) throws Exception {
        Set<String> reads = Set.of("getAsset", "getAssetContent", "getAssetHistory", "getAssetProof", "getAssetLocations");
        for (Map.Entry<String, Callable<HttpResponse<byte[]>>> c : user.entrySet()) {
            HttpResponse<byte[]> r = c.getValue().call();
            Op op = ops.get(c.getKey());
            documented(op, r);
            if (c.getKey().equals("listAssets")) {
                assertThat(r.statusCode()).isEqualTo(200);
                Set<String> ids = new TreeSet<>();
                json(r).get("items").forEach(i -> ids.add(i.get("id").asText()));
                assertThat(ids.contains(a)).as("listing shows the asset").isEqualTo(read == 200);
                continue;
            }
            int expected = reads.contains(c.getKey()) ? read : write;
            assertThat(r.statusCode()).as("%s: %s", c.getKey(), new String(r.body(), StandardCharsets.UTF_8))
                    .isEqualTo(expected);
            if (expected == 404) {
                assertThat(json(r).get("code").asText()).isEqualTo("NOT_FOUND");
            }
        }
    }

    /**
     * Permission first, second factor after, on every route: a caller whose role holds the
     * permission but who may not act on the target (another account's keys or TOTP, another
     * owner's asset) is refused with 403 (or 404 where it may not even see the target) without
     * a TOTP code, and never learns whether the route would have asked for one.
     */
    @Test
    public void aCallerWhoMayNotTouchTheTargetIsRefusedBeforeTheSecondFactor() throws Exception {
        Map<Role, String> nonOwners = Map.of(Role.OPERATOR, "otto", Role.WRITER, "bob", Role.READER, "rita",
                Role.AUDITOR, "audrey");
        int refusedBeforeTotp = 0;
        for (Op op : operations().values()) {
            boolean targeted = op.path().startsWith("/v1/accounts/{id}") || op.path().startsWith("/v1/assets/{id}");
            if (!targeted || op.spec().get("security").isEmpty()) {
                continue;
            }
            Permission p = Permission.valueOf(op.spec().get("x-stoq-permission").asText());
            for (Map.Entry<Role, String> caller : nonOwners.entrySet()) {
                if (!p.grantedTo(caller.getKey())) {
                    continue; // the role check answers 403 first: everyProtectedRouteRefusesAMissingRole
                }
                // {id} is alice's account or alice's asset; none of these callers is alice or admin
                HttpResponse<byte[]> r = send(generic(op, caller.getValue(), null).build());
                String what = op.method() + " " + op.path() + " as " + caller.getValue();
                if (r.statusCode() >= 400) {
                    assertThat(json(r).get("code").asText()).as(what).isNotEqualTo("TOTP_REQUIRED");
                }
                if (op.spec().path("x-stoq-totp").asBoolean(false) || op.spec().get("operationId").asText().equals("enrollTotp")) {
                    assertThat(r.statusCode()).as(what).isIn(403, 404);
                    refusedBeforeTotp++;
                }
                documented(op, r);
            }
        }
        assertThat(refusedBeforeTotp).isGreaterThanOrEqualTo(6);
    }

    /**
     * Wrong TOTP codes are counted per account: after the fifth (the default of
     * {@code auth.totp.max-failures}) every attempt is refused unchecked with 429 and
     * {@code Retry-After}, the right code answering exactly like a wrong one, until an admin lifts
     * the lockout; the lockout and the lifting are in the audit log.
     */
    @Test
    public void wrongTotpCodesLockTheSecondFactorUntilAnAdminLiftsIt() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<byte[]> r = openSession("bob", wrong(t.totp("bob")));
            assertThat(r.statusCode()).as("wrong code %d", i + 1).isEqualTo(i < 4 ? 401 : 429);
        }
        HttpResponse<byte[]> right = openSession("bob", t.totp("bob"));
        HttpResponse<byte[]> wrong = openSession("bob", wrong(t.totp("bob")));
        for (HttpResponse<byte[]> r : List.of(right, wrong)) {
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(json(r).get("code").asText()).isEqualTo("RATE_LIMITED");
            long retry = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
            assertThat(retry).isBetween(1L, 300L);
        }
        assertThat(json(right).get("detail").asText().replaceAll("\\d+", "#"))
                .isEqualTo(json(wrong).get("detail").asText().replaceAll("\\d+", "#"))
                .contains("locked").doesNotContain("wrong code");
        // a TOTP route of another kind is locked too: the lockout is per account, not per route
        assertThat(send(json("/v1/tokens/transfers", "bob", "POST", "{\"to\":\"alice\",\"amount\":1}")
                .header("X-Stoq-TOTP", t.totp("bob")).build()).statusCode()).isEqualTo(429);
        HttpResponse<byte[]> lift = send(request("/v1/accounts/bob/totp/lockout", "admin")
                .header("X-Stoq-TOTP", t.totp("admin")).DELETE().build());
        assertThat(lift.statusCode()).isEqualTo(204);
        assertThat(openSession("bob", t.totp("bob")).statusCode()).isEqualTo(201);
        JsonNode locked = json(send(request("/v1/audit?actor=bob&outcome=SECOND_FACTOR_LOCKED", "audrey").build()));
        assertThat(locked.get("items")).isNotEmpty();
        assertThat(locked.get("items").get(0).get("path").asText()).isEqualTo("/v1/accounts/bob/totp/lockout");
        JsonNode lifted = json(send(request("/v1/audit?actor=admin&outcome=ALLOWED&limit=500", "audrey").build()));
        assertThat(lifted.get("items")).extracting(n -> n.get("operation").asText() + " " + n.get("path").asText())
                .contains("clearTotpLockout /v1/accounts/bob/totp/lockout");
        JsonNode refused = json(send(request("/v1/audit?actor=bob&outcome=DENIED_SECOND_FACTOR&limit=500", "audrey")
                .build()));
        assertThat(refused.get("items")).extracting(n -> n.get("status").asInt()).contains(401, 429);
    }

    /** A stolen API key alone cannot enroll the first TOTP secret: that needs an admin's one-time code. */
    @Test
    public void theFirstTotpSecretNeedsAnAdminsOneTimeEnrollmentCode() throws Exception {
        t.accounts().create("erin", Role.WRITER, "Erin");
        ApiKeys.Issued k = ApiKeys.issue("erin", "k", t.now(), null);
        t.accounts().addApiKey(k.stored());
        HttpResponse<byte[]> keyAlone = enroll(k.plaintext(), null);
        assertThat(keyAlone.statusCode()).isEqualTo(403);
        assertThat(json(keyAlone).get("detail").asText()).contains("enrollment code");
        assertThat(t.accounts().totpSecret("erin")).isEmpty();
        HttpResponse<byte[]> byAdmin = send(request("/v1/accounts/erin/totp", "admin")
                .header("X-Stoq-TOTP", t.totp("admin")).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(byAdmin.statusCode()).as("an admin never sees another account's secret").isEqualTo(403);
        String code = enrollmentCode("erin");
        assertThat(code).matches("[A-Z2-7]{4}(-[A-Z2-7]{4}){5}");
        String wrongCode = (code.charAt(0) == 'A' ? "B" : "A") + code.substring(1);
        assertThat(enroll(k.plaintext(), wrongCode).statusCode()).isEqualTo(403);
        HttpResponse<byte[]> ok = enroll(k.plaintext(), code.toLowerCase());
        assertThat(ok.statusCode()).as(new String(ok.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(json(ok).get("uri").asText()).startsWith("otpauth://totp/STOQ:erin?secret=");
        assertThat(t.accounts().totpSecret("erin")).isPresent();
        assertThat(enroll(k.plaintext(), code).statusCode()).as("single use").isEqualTo(403);
        assertThat(enroll(k.plaintext(), null).statusCode()).as("replacing needs the current code").isEqualTo(401);
    }

    /**
     * A session ends at its next request when the key that opened it is revoked or expires, or the
     * account's role or TOTP secret changes, even when the change happens behind the API's back
     * (here: straight in the account store, so no event closes the session).
     */
    @Test
    public void aSessionEndsWhenItsKeyOrTheAccountsRoleOrSecretChanges() throws Exception {
        t.accounts().create("sam", Role.WRITER, "Sam");
        TotpSecret secret = Totp.newSecret();
        t.accounts().setTotpSecret("sam", secret);
        ApiKeys.Issued revoked = key("sam", null);
        String s1 = session(revoked.plaintext(), secret);
        assertThat(me(s1)).isEqualTo(200);
        t.accounts().revokeApiKey("sam", revoked.stored().keyId());
        assertThat(me(s1)).isEqualTo(401);
        assertThat(me(s1)).as("and stays ended").isEqualTo(401);

        t.totp("admin"); // moves the server's clock one TOTP step (30 s), so sam's next code is fresh
        ApiKeys.Issued shortLived = key("sam", t.now().plusSeconds(20));
        String s2 = session(shortLived.plaintext(), secret);
        assertThat(me(s2)).isEqualTo(200);
        t.totp("admin"); // 30 s later: the key has expired
        assertThat(me(s2)).isEqualTo(401);

        ApiKeys.Issued k = key("sam", null);
        String s3 = session(k.plaintext(), secret);
        assertThat(me(s3)).isEqualTo(200);
        t.accounts().setRole("sam", Role.READER);
        assertThat(me(s3)).isEqualTo(401);

        t.totp("admin");
        String s4 = session(k.plaintext(), secret);
        assertThat(me(s4)).isEqualTo(200);
        t.accounts().setTotpSecret("sam", Totp.newSecret());
        HttpResponse<byte[]> ended = send(HttpRequest.newBuilder(uri("/v1/me")).header("Authorization", "Bearer " + s4)
                .build());
        assertThat(ended.statusCode()).isEqualTo(401);
        assertThat(json(ended).get("detail").asText()).contains("TOTP secret changed");
        assertThat(me(k.plaintext())).as("the key itself still works").isEqualTo(200);
    }

    private ApiKeys.Issued key(String account, java.time.Instant expiresAt) throws Exception {
        ApiKeys.Issued k = ApiKeys.issue(account, "k", t.now(), expiresAt);
        t.accounts().addApiKey(k.stored());
        return k;
    }

    private String session(String key, TotpSecret secret) throws Exception {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/v1/sessions")).header("Authorization", "Bearer " + key)
                .header("X-Stoq-TOTP", Totp.code(secret, t.now())).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return json(r).get("token").asText();
    }

    private int me(String bearer) throws Exception {
        return send(HttpRequest.newBuilder(uri("/v1/me")).header("Authorization", "Bearer " + bearer).build())
                .statusCode();
    }

    private HttpResponse<byte[]> openSession(String account, String code) throws Exception {
        return send(request("/v1/sessions", account).header("X-Stoq-TOTP", code)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private HttpResponse<byte[]> enroll(String key, String code) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/v1/accounts/erin/totp"))
                .header("Authorization", "Bearer " + key);
        if (code != null) {
            b.header("X-Stoq-Enrollment-Code", code);
        }
        return send(b.POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** A one-time enrollment code for {@code account}, made through the API by admin. */
    protected String enrollmentCode(String account) throws Exception {
        HttpResponse<byte[]> r = send(request("/v1/accounts/" + account + "/totp/enrollment-code", "admin")
                .header("X-Stoq-TOTP", t.totp("admin")).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return json(r).get("code").asText();
    }

    /** A code that is certainly not {@code right} (each digit moved by one). */
    private static String wrong(String right) {
        StringBuilder b = new StringBuilder();
        for (char c : right.toCharArray()) {
            b.append((char) ('0' + (c - '0' + 1) % 10));
        }
        return b.toString();
    }

    private HttpRequest.Builder json(String path, String account, String method, String body) {
        return request(path, account).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
    }

    private Map<String, Callable<HttpResponse<byte[]>>> fixtures() throws Exception {
        Map<String, Callable<HttpResponse<byte[]>>> f = new HashMap<>();
        String a = "/v1/assets/" + assetId;
        f.put("health", () -> send(request("/healthz", null).build()));
        f.put("ready", () -> send(request("/readyz", null).build()));
        f.put("openApi", () -> send(request("/v1/openapi.json", null).build()));
        f.put("metrics", () -> send(request("/metrics", "otto").build()));
        f.put("createAsset", () -> send(request("/v1/assets", "alice")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build()));
        f.put("listAssets", () -> send(request("/v1/assets", "rita").build()));
        f.put("getAsset", () -> send(request(a, "rita").build()));
        f.put("getAssetContent", () -> send(request(a + "/content", "rita").build()));
        f.put("updateAssetContent", () -> send(request(a + "/content", "alice")
                .PUT(HttpRequest.BodyPublishers.ofString("v2")).build()));
        f.put("transferAsset", () -> send(json("/v1/assets/" + upload("alice") + "/transfers", "alice", "POST",
                "{\"newOwner\":\"bob\"}").header("X-Stoq-TOTP", t.totp("alice")).build()));
        f.put("deleteAsset", () -> send(request("/v1/assets/" + upload("alice"), "alice")
                .header("X-Stoq-TOTP", t.totp("alice")).DELETE().build()));
        f.put("deleteAssetVersion", () -> {
            String fresh = upload("alice");
            assertThat(send(request("/v1/assets/" + fresh + "/content", "alice")
                    .PUT(HttpRequest.BodyPublishers.ofString("v2")).build()).statusCode()).isEqualTo(200);
            return send(request("/v1/assets/" + fresh + "/versions/1", "alice").header("X-Stoq-TOTP", t.totp("alice"))
                    .DELETE().build());
        });
        f.put("getAssetHistory", () -> send(request(a + "/history", "rita").build()));
        f.put("getAssetProof", () -> send(request(a + "/proof", "audrey").build()));
        f.put("getAssetLocations", () -> send(request(a + "/locations", "rita").build()));
        f.put("createAssetGrant", () -> grant("alice", upload("alice"), "bob"));
        f.put("listAssetGrants", () -> send(request(a + "/grants", "alice").build()));
        f.put("revokeAssetGrant", () -> {
            String fresh = upload("alice");
            assertThat(grant("alice", fresh, "bob").statusCode()).isEqualTo(201);
            return revoke("alice", fresh, "bob");
        });
        f.put("getMe", () -> send(request("/v1/me", "rita").build()));
        f.put("listAccounts", () -> send(request("/v1/accounts?limit=2", "admin").build()));
        f.put("createAccount", () -> send(json("/v1/accounts", "admin", "POST",
                "{\"id\":\"carol\",\"role\":\"reader\",\"displayName\":\"Carol\"}")
                .header("X-Stoq-TOTP", t.totp("admin")).build()));
        f.put("rotateKeyEpoch", () -> send(request("/v1/network/key-epochs", "admin").POST(HttpRequest.BodyPublishers.noBody())
                .header("X-Stoq-TOTP", t.totp("admin")).build()));
        f.put("getAccount", () -> send(request("/v1/accounts/alice", "admin").build()));
        f.put("setAccountRole", () -> send(json("/v1/accounts/bob/role", "admin", "PUT", "{\"role\":\"writer\"}")
                .header("X-Stoq-TOTP", t.totp("admin")).build()));
        f.put("listApiKeys", () -> send(request("/v1/accounts/alice/keys", "alice").build()));
        f.put("createApiKey", () -> send(json("/v1/accounts/alice/keys", "alice", "POST", "{\"label\":\"ci\"}")
                .header("X-Stoq-TOTP", t.totp("alice")).build()));
        f.put("revokeApiKey", () -> {
            ApiKeys.Issued k = ApiKeys.issue("alice", "old", t.now(), null);
            t.accounts().addApiKey(k.stored());
            return send(request("/v1/accounts/alice/keys/" + k.stored().keyId(), "alice")
                    .header("X-Stoq-TOTP", t.totp("alice")).DELETE().build());
        });
        f.put("listS3Keys", () -> send(request("/v1/accounts/alice/s3-keys", "alice").build()));
        f.put("createS3Key", () -> send(request("/v1/accounts/alice/s3-keys", "alice").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.noBody()).build()));
        f.put("revokeS3Key", () -> {
            var made = send(request("/v1/accounts/bob/s3-keys", "bob").header("X-Stoq-TOTP", t.totp("bob"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            java.util.regex.Matcher id = java.util.regex.Pattern.compile("\"accessKeyId\"\\s*:\\s*\"([A-Z0-9]+)\"")
                    .matcher(new String(made.body(), java.nio.charset.StandardCharsets.UTF_8));
            org.assertj.core.api.Assertions.assertThat(id.find()).as("createS3Key answered an accessKeyId").isTrue();
            return send(request("/v1/accounts/bob/s3-keys/" + id.group(1), "bob").header("X-Stoq-TOTP", t.totp("bob")).DELETE().build());
        });
        f.put("enrollTotp", () -> {
            t.accounts().create("dave", Role.READER, "Dave");
            ApiKeys.Issued k = ApiKeys.issue("dave", "k", t.now(), null);
            t.accounts().addApiKey(k.stored());
            String code = enrollmentCode("dave");
            return send(HttpRequest.newBuilder(uri("/v1/accounts/dave/totp"))
                    .header("Authorization", "Bearer " + k.plaintext()).header("X-Stoq-Enrollment-Code", code)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
        });
        f.put("createTotpEnrollmentCode", () -> send(request("/v1/accounts/rita/totp/enrollment-code", "admin")
                .header("X-Stoq-TOTP", t.totp("admin")).POST(HttpRequest.BodyPublishers.noBody()).build()));
        f.put("clearTotpLockout", () -> send(request("/v1/accounts/bob/totp/lockout", "admin")
                .header("X-Stoq-TOTP", t.totp("admin")).DELETE().build()));
        f.put("createSession", () -> send(request("/v1/sessions", "rita").header("X-Stoq-TOTP", t.totp("rita"))
                .POST(HttpRequest.BodyPublishers.noBody()).build()));
        f.put("deleteSession", () -> {
            String token = json(send(request("/v1/sessions", "rita").header("X-Stoq-TOTP",
                    t.totp("rita")).POST(HttpRequest.BodyPublishers.noBody()).build())).get("token").asText();
            return send(HttpRequest.newBuilder(uri("/v1/sessions/current"))
                    .header("Authorization", "Bearer " + token).DELETE().build());
        });
        f.put("getTokenBalance", () -> send(request("/v1/accounts/alice/balance", "rita").build()));
        f.put("transferTokens", () -> send(json("/v1/tokens/transfers", "alice", "POST",
                "{\"to\":\"bob\",\"amount\":5,\"memo\":\"thanks\"}").header("X-Stoq-TOTP", t.totp("alice")).build()));
        f.put("listNodes", () -> send(request("/v1/nodes", "otto").build()));
        f.put("getNode", () -> send(request("/v1/nodes/" + t.nodeId(), "otto").build()));
        f.put("listBlocks", () -> send(request("/v1/ledger/blocks?limit=3", "rita").build()));
        f.put("getBlock", () -> send(request("/v1/ledger/blocks/0", "rita").build()));
        f.put("queryAudit", () -> send(request("/v1/audit?outcome=ALLOWED&limit=5", "audrey").build()));
        f.put("subscribeEvents", () -> null);
        return f;
    }
}
