package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.http.Json;
import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.port.Role;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
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

    Map<String, Op> operations() {
        Map<String, Op> ops = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<Map.Entry<String, JsonNode>> m = path.getValue().fields(); m.hasNext(); ) {
                Map.Entry<String, JsonNode> op = m.next();
                ops.put(op.getValue().get("operationId").asText(),
                        new Op(op.getKey().toUpperCase(), path.getKey(), op.getValue()));
            }
        }
        return ops;
    }

    String concrete(String path) {
        return path.replace("{id}", path.startsWith("/v1/accounts") ? "alice" : path.startsWith("/v1/nodes")
                ? t.nodeId() : assetId).replace("{keyId}", "0123456789abcdef").replace("{height}", "0")
                .replace("{account}", "bob");
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
        rita.keySet().retainAll(Set.of("listAssets", "getAsset", "getAssetContent", "getAssetHistory", "getAssetProof"));

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
        c.put("updateAssetContent", () -> send(request(p + "/content", user)
                .PUT(HttpRequest.BodyPublishers.ofString(user + " was here")).build()));
        c.put("transferAsset", () -> send(json(p + "/transfers", user, "POST", "{\"newOwner\":\"" + user + "\"}")
                .header("X-Stoq-TOTP", t.totp(user)).build()));
        c.put("deleteAsset", () -> send(request(p, user).header("X-Stoq-TOTP", t.totp(user)).DELETE().build()));
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
        Set<String> reads = Set.of("getAsset", "getAssetContent", "getAssetHistory", "getAssetProof");
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
        f.put("getAssetHistory", () -> send(request(a + "/history", "rita").build()));
        f.put("getAssetProof", () -> send(request(a + "/proof", "audrey").build()));
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
        f.put("enrollTotp", () -> {
            t.accounts().create("dave", Role.READER, "Dave");
            ApiKeys.Issued k = ApiKeys.issue("dave", "k", t.now(), null);
            t.accounts().addApiKey(k.stored());
            return send(HttpRequest.newBuilder(uri("/v1/accounts/dave/totp"))
                    .header("Authorization", "Bearer " + k.plaintext()).POST(HttpRequest.BodyPublishers.noBody()).build());
        });
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
