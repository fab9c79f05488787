package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.http.Json;
import io.stoq.fragmint.port.Role;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Owners decide who reads (issue 10, deliverable 1), checked over HTTP and WebSocket against any
 * {@link ContractServer}: the test double here ({@code AccessContractTest}) and a real node in
 * stoq-node ({@code AccessContractOnNodeTest}), so both are held to the same rules:
 *
 * <ul>
 *   <li>the reported finding: a reader listed a writer's private asset, downloaded it and read its
 *       history (200 each); now it is absent from the listing and every asset route answers the
 *       same 404 as for an asset that does not exist;
 *   <li>an auditor sees metadata, history and proofs, never content;
 *   <li>every admin read of another account's asset is audited as {@code ALLOWED_ADMIN_OVERRIDE};
 *   <li>grants: who may make them, their errors, their history entries, a transfer ends them;
 *   <li>{@code /v1/events} sends an asset's events only to accounts that may see it, and a
 *       subscription ends (1008) when its key is revoked or expires or its account's role changes.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
public abstract class AccessContract {
    protected ContractServer t;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** Starts the server under test (with the fixture accounts {@link ContractServer} lists). */
    protected abstract ContractServer startServer() throws Exception;

    @BeforeAll
    public void start() throws Exception {
        t = startServer();
    }

    @AfterAll
    public void stop() throws Exception {
        if (t != null) {
            t.close();
        }
    }

    // ---- HTTP helpers -------------------------------------------------------------------------

    HttpRequest.Builder request(String path, String account) {
        return bearer(path, account == null ? null : t.key(account));
    }

    HttpRequest.Builder bearer(String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + path))
                .timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    HttpResponse<byte[]> send(HttpRequest r) throws IOException, InterruptedException {
        return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(String path, String account) throws Exception {
        return send(request(path, account).build());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return Json.MAPPER.readTree(r.body());
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    String upload(String account, String content) throws Exception {
        HttpResponse<byte[]> r = send(request("/v1/assets", account).POST(HttpRequest.BodyPublishers.ofString(content))
                .build());
        assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
        return json(r).get("id").asText();
    }

    HttpResponse<byte[]> postJson(String path, String account, String body, boolean totp) throws Exception {
        HttpRequest.Builder b = request(path, account).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (totp) {
            b.header("X-Stoq-TOTP", t.totp(account));
        }
        return send(b.build());
    }

    HttpResponse<byte[]> grant(String owner, String asset, String account) throws Exception {
        return postJson("/v1/assets/" + asset + "/grants", owner, "{\"account\":\"" + account + "\"}", true);
    }

    HttpResponse<byte[]> revoke(String owner, String asset, String account) throws Exception {
        return send(request("/v1/assets/" + asset + "/grants/" + account, owner).DELETE().build());
    }

    Set<String> listedIds(String account, String query) throws Exception {
        HttpResponse<byte[]> r = get("/v1/assets?limit=500" + query, account);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        Set<String> ids = new TreeSet<>();
        json(r).get("items").forEach(i -> ids.add(i.get("id").asText()));
        return ids;
    }

    /** The problem document with the asset id taken out: what a caller learns from a 404. */
    static String problemShape(HttpResponse<byte[]> r, String id) throws IOException {
        JsonNode p = json(r);
        return r.statusCode() + " " + p.get("code").asText() + " " + p.get("type").asText() + " "
                + p.get("title").asText() + " " + p.get("detail").asText().replace(id, "<id>");
    }

    // ---- the reported finding -----------------------------------------------------------------

    @Test
    public void aReaderNoLongerListsDownloadsOrReadsTheHistoryOfAWritersPrivateAsset() throws Exception {
        String secret = upload("alice", "alice's private bytes");
        String deleted = upload("alice", "soon gone");
        assertThat(send(request("/v1/assets/" + deleted, "alice").header("X-Stoq-TOTP", t.totp("alice")).DELETE().build())
                .statusCode()).isEqualTo(204);

        // Listing: the asset is not there, with or without the owner filter.
        assertThat(listedIds("rita", "")).doesNotContain(secret);
        assertThat(listedIds("rita", "&owner=alice")).doesNotContain(secret);
        assertThat(listedIds("alice", "&owner=alice")).contains(secret);

        // Every read answers exactly what a missing asset answers (the owner's own deleted asset).
        for (String suffix : new String[] {"", "/content", "/history", "/proof"}) {
            HttpResponse<byte[]> hidden = get("/v1/assets/" + secret + suffix, "rita");
            HttpResponse<byte[]> missing = get("/v1/assets/" + deleted + suffix, "alice");
            assertThat(hidden.statusCode()).as("reader GET %s: %s", suffix, text(hidden)).isEqualTo(404);
            assertThat(problemShape(hidden, secret)).as(suffix).isEqualTo(problemShape(missing, deleted));
            assertThat(text(hidden)).doesNotContain("alice's private bytes");
        }
        // The owner still reads it all.
        HttpResponse<byte[]> bytes = get("/v1/assets/" + secret + "/content", "alice");
        assertThat(bytes.statusCode()).isEqualTo(200);
        assertThat(text(bytes)).isEqualTo("alice's private bytes");
    }

    @Test
    public void aStrangersWriteGets404NotAVersionHint() throws Exception {
        String a = upload("alice", "v1");
        // a stale If-Match from a stranger must not answer 412 (that would confirm the asset and its version)
        HttpResponse<byte[]> r = send(request("/v1/assets/" + a + "/content", "bob").header("If-Match", "\"v7\"")
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build());
        assertThat(r.statusCode()).as(text(r)).isEqualTo(404);
        assertThat(grant("alice", a, "bob").statusCode()).isEqualTo(201);
        HttpResponse<byte[]> granted = send(request("/v1/assets/" + a + "/content", "bob").header("If-Match", "\"v7\"")
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build());
        assertThat(granted.statusCode()).as(text(granted)).isEqualTo(403);
    }

    // ---- auditor and admin --------------------------------------------------------------------

    @Test
    public void anAuditorSeesMetadataHistoryAndProofButNeverContent() throws Exception {
        String a = upload("alice", "audited bytes");
        assertThat(get("/v1/assets/" + a, "audrey").statusCode()).isEqualTo(200);
        assertThat(get("/v1/assets/" + a + "/history", "audrey").statusCode()).isEqualTo(200);
        assertThat(get("/v1/assets/" + a + "/proof", "audrey").statusCode()).isEqualTo(200);
        assertThat(listedIds("audrey", "")).contains(a);
        HttpResponse<byte[]> content = get("/v1/assets/" + a + "/content", "audrey");
        assertThat(content.statusCode()).isEqualTo(403);
        assertThat(json(content).get("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(text(content)).doesNotContain("audited bytes");
        // and no writes, no grants
        assertThat(postJson("/v1/assets/" + a + "/grants", "audrey", "{\"account\":\"audrey\"}", false).statusCode())
                .isEqualTo(403);
    }

    @Test
    public void everyAdminReadOfAnotherAccountsAssetIsAuditedAsAnOverride() throws Exception {
        String a = upload("alice", "admin may look");
        String own = upload("admin", "admin's own");
        for (String suffix : new String[] {"", "/content", "/history", "/proof"}) {
            assertThat(get("/v1/assets/" + a + suffix, "admin").statusCode()).isEqualTo(200);
            assertThat(get("/v1/assets/" + own + suffix, "admin").statusCode()).isEqualTo(200);
        }
        List<String> ops = List.of("getAsset", "getAssetContent", "getAssetHistory", "getAssetProof");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode page = json(get("/v1/audit?actor=admin&limit=500", "audrey"));
            List<String> overrides = new ArrayList<>();
            List<String> plain = new ArrayList<>();
            for (JsonNode r : page.get("items")) {
                String path = r.get("path").asText();
                if (path.startsWith("/v1/assets/" + a) && r.get("outcome").asText().equals("ALLOWED_ADMIN_OVERRIDE")) {
                    overrides.add(r.get("operation").asText());
                }
                if (path.startsWith("/v1/assets/" + own) && r.get("outcome").asText().equals("ALLOWED")) {
                    plain.add(r.get("operation").asText());
                }
            }
            assertThat(overrides).containsAll(ops);
            assertThat(plain).containsAll(ops); // the admin's own asset is an ordinary read
        });
    }

    // ---- grants -------------------------------------------------------------------------------

    @Test
    public void grantsAreRefusedClearlyShownInHistoryAndEndedByATransfer() throws Exception {
        String a = upload("alice", "shared later");
        HttpResponse<byte[]> g = grant("alice", a, "bob");
        assertThat(g.statusCode()).as(text(g)).isEqualTo(201);
        JsonNode grantBody = json(g);
        assertThat(grantBody.get("assetId").asText()).isEqualTo(a);
        assertThat(grantBody.get("account").asText()).isEqualTo("bob");
        assertThat(grantBody.get("grantedBy").asText()).isEqualTo("alice");
        assertThat(grantBody.get("blockHeight").asLong()).isPositive();

        assertThat(grant("alice", a, "bob").statusCode()).as("duplicate").isEqualTo(409);
        assertThat(grant("alice", a, "nobody").statusCode()).as("unknown account").isEqualTo(422);
        assertThat(grant("alice", a, "alice").statusCode()).as("the owner").isEqualTo(422);
        assertThat(revoke("alice", a, "rita").statusCode()).as("no such grant").isEqualTo(404);
        assertThat(grant("bob", a, "rita").statusCode()).as("a grantee grants on").isEqualTo(403);
        assertThat(grant("rita", a, "bob").statusCode()).as("a reader's role").isEqualTo(403);
        assertThat(grant("alice", a, "rita").statusCode()).isEqualTo(201);

        JsonNode grants = json(get("/v1/assets/" + a + "/grants", "alice"));
        assertThat(grants.get("items").findValuesAsText("account")).containsExactly("bob", "rita");
        assertThat(get("/v1/assets/" + a + "/grants", "bob").statusCode()).isEqualTo(403);
        assertThat(get("/v1/assets/" + a + "/grants", "admin").statusCode()).isEqualTo(200);

        // The owner's history shows both grants; a grantee sees only its own.
        JsonNode mine = json(get("/v1/assets/" + a + "/history", "alice")).get("items");
        assertThat(mine.findValuesAsText("change")).containsExactly("CREATE", "GRANT", "GRANT");
        assertThat(mine.get(1).get("grantee").asText()).isEqualTo("bob");
        assertThat(mine.get(2).get("grantee").asText()).isEqualTo("rita");
        JsonNode bobs = json(get("/v1/assets/" + a + "/history", "bob")).get("items");
        assertThat(bobs.findValuesAsText("change")).containsExactly("CREATE", "GRANT");
        assertThat(bobs.get(1).get("grantee").asText()).isEqualTo("bob");

        // A revocation is history too, and takes effect at once.
        assertThat(revoke("alice", a, "rita").statusCode()).isEqualTo(204);
        assertThat(get("/v1/assets/" + a + "/content", "rita").statusCode()).isEqualTo(404);
        assertThat(json(get("/v1/assets/" + a + "/history", "alice")).get("items").findValuesAsText("change"))
                .containsExactly("CREATE", "GRANT", "GRANT", "REVOKE");

        // A transfer ends every grant: the new owner decides who reads.
        HttpResponse<byte[]> tr = postJson("/v1/assets/" + a + "/transfers", "alice", "{\"newOwner\":\"otto\"}", true);
        assertThat(tr.statusCode()).as(text(tr)).isEqualTo(200);
        assertThat(get("/v1/assets/" + a + "/content", "bob").statusCode()).isEqualTo(404);
        assertThat(get("/v1/assets/" + a, "alice").statusCode()).isEqualTo(404);
        assertThat(get("/v1/assets/" + a, "otto").statusCode()).isEqualTo(200);
        assertThat(json(get("/v1/assets/" + a + "/grants", "admin")).get("items")).isEmpty();
        assertThat(json(get("/v1/assets/" + a + "/history", "otto")).get("items").findValuesAsText("change"))
                .containsExactly("CREATE", "GRANT", "GRANT", "REVOKE", "TRANSFER");
    }

    // ---- events -------------------------------------------------------------------------------

    /** A WebSocket listener that keeps every frame and the close it got. */
    static final class Stream implements WebSocket.Listener {
        final List<JsonNode> events = new CopyOnWriteArrayList<>();
        final List<String> raw = new CopyOnWriteArrayList<>();
        final AtomicReference<String> closed = new AtomicReference<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                raw.add(partial.toString());
                try {
                    events.add(Json.MAPPER.readTree(partial.toString()));
                } catch (IOException e) {
                    events.add(Json.MAPPER.createObjectNode().put("type", "unparseable"));
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.set(statusCode + " " + reason);
            return null;
        }

        /** Event types about {@code subject}, in order. */
        List<String> about(String subject) {
            return events.stream().filter(e -> subject.equals(e.path("subject").asText()))
                    .map(e -> e.get("type").asText()).toList();
        }
    }

    WebSocket subscribe(String key, Stream s) throws Exception {
        return client.newWebSocketBuilder().header("Authorization", "Bearer " + key)
                .buildAsync(URI.create("ws://127.0.0.1:" + t.port() + "/v1/events"), s).get(10, TimeUnit.SECONDS);
    }

    @Test
    public void anAssetsEventsGoOnlyToAccountsThatMaySeeIt() throws Exception {
        List<String> who = List.of("alice", "bob", "rita", "audrey", "admin");
        List<Stream> streams = new ArrayList<>();
        List<WebSocket> sockets = new ArrayList<>();
        for (String account : who) {
            Stream s = new Stream();
            streams.add(s);
            sockets.add(subscribe(t.key(account), s));
        }
        String a = upload("alice", "v1");
        assertThat(grant("alice", a, "bob").statusCode()).isEqualTo(201);
        assertThat(send(request("/v1/assets/" + a + "/content", "alice").PUT(HttpRequest.BodyPublishers.ofString("v2"))
                .build()).statusCode()).isEqualTo(200);
        assertThat(revoke("alice", a, "bob").statusCode()).isEqualTo(204);
        assertThat(send(request("/v1/assets/" + a + "/content", "alice").PUT(HttpRequest.BodyPublishers.ofString("v3"))
                .build()).statusCode()).isEqualTo(200);
        // A marker after alice's last change that bob and rita do see: events arrive in order, so
        // once it is there, whatever they were going to get about alice's asset is there too.
        String marker = upload("bob", "marker");
        assertThat(grant("bob", marker, "rita").statusCode()).isEqualTo(201);
        List<String> all = List.of("asset.created", "asset.granted", "asset.updated", "asset.grant-revoked", "asset.updated");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(streams.get(0).about(a)).as("owner").containsExactlyElementsOf(all);
            assertThat(streams.get(3).about(a)).as("auditor").containsExactlyElementsOf(all);
            assertThat(streams.get(4).about(a)).as("admin").containsExactlyElementsOf(all);
            assertThat(streams.get(1).about(marker)).as("bob's own").contains("asset.granted");
            assertThat(streams.get(2).about(marker)).as("rita's grant").containsExactly("asset.granted");
        });
        // bob: his grant, the update while he could read, his revocation; not the creation before
        // his grant, nor the update after it ended. rita: nothing about the asset.
        assertThat(streams.get(1).about(a)).containsExactly("asset.granted", "asset.updated", "asset.grant-revoked");
        assertThat(streams.get(2).about(a)).isEmpty();
        assertThat(streams.get(0).about(marker)).as("alice about bob's asset").isEmpty();
        for (Stream s : streams) {
            assertThat(s.raw).noneMatch(f -> f.contains("\"readers\""));
        }
        for (WebSocket ws : sockets) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        }
    }

    /** A new API key for {@code account}, stored behind the API (as an admin's tool would). */
    ApiKeys.Issued newKey(String account, java.time.Instant expiresAt) throws Exception {
        ApiKeys.Issued k = ApiKeys.issue(account, "subscription", t.now(), expiresAt);
        t.accounts().addApiKey(k.stored());
        return k;
    }

    @Test
    public void aSubscriptionEndsWhenItsKeyIsRevoked() throws Exception {
        ApiKeys.Issued k = newKey("rita", null);
        Stream s = new Stream();
        subscribe(k.plaintext(), s);
        HttpResponse<byte[]> revoked = send(request("/v1/accounts/rita/keys/" + k.stored().keyId(), "rita")
                .header("X-Stoq-TOTP", t.totp("rita")).DELETE().build());
        assertThat(revoked.statusCode()).as(text(revoked)).isEqualTo(204);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(s.closed.get()).isNotNull());
        assertThat(s.closed.get()).startsWith("1008").contains("revoked or expired");
    }

    @Test
    public void aSubscriptionEndsWhenItsKeyExpires() throws Exception {
        ApiKeys.Issued k = newKey("rita", t.now().plusSeconds(5));
        Stream s = new Stream();
        subscribe(k.plaintext(), s);
        t.totp("bob"); // moves the server's clock one TOTP step (30 s): the key is past its expiry
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(s.closed.get()).isNotNull());
        assertThat(s.closed.get()).startsWith("1008").contains("revoked or expired");
    }

    @Test
    public void aSubscriptionEndsWhenTheAccountsRoleChanges() throws Exception {
        t.accounts().create("erin", Role.READER, "Erin");
        ApiKeys.Issued k = newKey("erin", null);
        Stream s = new Stream();
        subscribe(k.plaintext(), s);
        HttpResponse<byte[]> changed = send(request("/v1/accounts/erin/role", "admin").header("Content-Type", "application/json")
                .header("X-Stoq-TOTP", t.totp("admin")).PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"auditor\"}"))
                .build());
        assertThat(changed.statusCode()).as(text(changed)).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(s.closed.get()).isNotNull());
        assertThat(s.closed.get()).startsWith("1008").contains("role changed from reader to auditor");
        // A fresh subscription with the same key works, with the new role's view.
        Stream again = new Stream();
        subscribe(k.plaintext(), again).sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }
}
