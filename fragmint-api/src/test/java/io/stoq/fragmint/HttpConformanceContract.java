package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.http.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * HTTP as clients expect it (issue 10, deliverables 8 and 10), run against any
 * {@link ContractServer}: the test double here ({@code HttpConformanceTest}) and the real node in
 * stoq-node ({@code HttpConformanceOnNodeTest}). Each test is one finding of the hostile-client
 * run, on raw sockets where a client library would hide the fault: a silently closed connection
 * fails as {@link HttpWire.Silence}, not as a retry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class HttpConformanceContract {
    /** What a body must never show a client: Java and library names, stack frames. */
    public static final Pattern LEAK = Pattern.compile(
            "(?:java|javax|jdk|sun|io\\.netty|io\\.stoq|com\\.fasterxml|org\\.[a-z]+)\\.[a-zA-Z]"
                    + "|\\$[A-Z][a-z]|Exception|DeserializationFeature|MapperFeature|\\bat [a-z]+\\.[a-z]");

    protected ContractServer t;
    protected ServedDocument doc;
    protected SchemaCheck schemas;
    protected String assetId;

    protected abstract ContractServer startServer() throws Exception;

    @BeforeAll
    public void start() throws Exception {
        t = startServer();
        HttpWire.Response r = raw(get("/v1/openapi.json", null));
        assertThat(r.status()).isEqualTo(200);
        JsonNode json = Json.MAPPER.readTree(r.body());
        doc = new ServedDocument(json);
        schemas = new SchemaCheck(json);
        assetId = upload("alice", "application/octet-stream", null, "hello");
    }

    @AfterAll
    public void stop() throws Exception {
        if (t != null) {
            t.close();
        }
    }

    // ---- request building -------------------------------------------------------------------

    protected HttpWire connect() throws IOException {
        return new HttpWire(t.port(), Duration.ofSeconds(10));
    }

    protected HttpWire.Response raw(String request) throws IOException {
        try (HttpWire c = connect()) {
            return c.exchange(request);
        }
    }

    protected String get(String target, String account, String... headers) {
        return request("GET", target, account, null, headers);
    }

    /** A request with Host, the account's key (unless null), the headers, and the body (if any). */
    protected String request(String method, String target, String account, String body, String... headers) {
        StringBuilder b = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(t.port()).append("\r\n");
        if (account != null) {
            b.append("Authorization: Bearer ").append(t.key(account)).append("\r\n");
        }
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        if (body != null) {
            b.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        }
        b.append("\r\n");
        if (body != null) {
            b.append(new String(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
        }
        return b.toString();
    }

    protected String upload(String account, String contentType, String name, String content) throws IOException {
        List<String> h = new ArrayList<>(List.of("Content-Type: " + contentType));
        if (name != null) {
            h.add("X-Stoq-Name: " + name);
        }
        HttpWire.Response r = raw(request("POST", "/v1/assets", account, content, h.toArray(new String[0])));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body()).get("id").asText();
    }

    protected Map<String, String> pathValues() {
        Map<String, String> v = new HashMap<>();
        v.put("assets.id", assetId);
        v.put("accounts.id", "alice");
        v.put("nodes.id", t.nodeId());
        v.put("keyId", "0123456789abcdef");
        v.put("height", "0");
        v.put("account", "bob");
        v.put("version", "1");
        return v;
    }

    /** A problem+json answer with this status and code, whose detail speaks the user's terms. */
    protected static JsonNode problem(HttpWire.Response r, int status, String code) throws IOException {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.header("Content-Type")).hasValue("application/problem+json");
        JsonNode p = Json.MAPPER.readTree(r.body());
        assertThat(p.get("code").asText()).isEqualTo(code);
        assertThat(p.get("detail").asText()).doesNotContainPattern(LEAK).doesNotContain("\n");
        return p;
    }

    // ---- bad escapes, Expect, WebSocket --------------------------------------------------------

    @Test
    public void aBadPercentEscapeInTheQueryIs400OnEveryRouteAndKeepsTheConnection() throws Exception {
        for (ServedDocument.Operation op : doc.operations()) {
            String path = ServedDocument.concrete(op.path(), pathValues());
            List<String> targets = new ArrayList<>(List.of(path + "?x=%zz", path + "?x=%", path + "?x=%e"));
            op.parameters("query").forEach(q -> targets.add(path + "?" + q.get("name").asText() + "=%G1"));
            for (String target : targets) {
                try (HttpWire c = connect()) {
                    HttpWire.Response r = c.exchange(request(op.method(), target, "admin",
                            op.spec().has("requestBody") ? "" : null));
                    problem(r, 400, "BAD_REQUEST");
                    assertThat(op.documents(400)).as(op.id()).isTrue();
                    assertThat(r.closes()).as("%s %s closes", op.method(), target).isFalse();
                    assertThat(c.exchange(get("/healthz", null)).status()).isEqualTo(200);
                }
            }
        }
    }

    @Test
    public void expectContinueWithAMalformedContentLengthIs400NotSilence() throws Exception {
        for (String length : new String[] {"1e3", "0x10", "", "9223372036854775808", "-1"}) {
            for (String target : new String[] {"/v1/assets", "/v1/tokens/transfers"}) {
                HttpWire.Response r = raw("POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + t.key("alice") + "\r\nContent-Type: application/json\r\nContent-Length: " + length
                        + "\r\nExpect: 100-continue\r\n\r\n");
                problem(r, 400, "BAD_REQUEST");
            }
        }
    }

    @Test
    public void expectContinueStillWorksAndAnOversizeDeclarationIsRefusedBeforeTheBody() throws Exception {
        try (HttpWire c = connect()) {
            c.send("POST /v1/tokens/transfers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.key("alice")
                    + "\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\nExpect: 100-continue\r\n\r\n");
            problem(c.read(), 413, "PAYLOAD_TOO_LARGE");
            assertThat(c.closedByServer(5000)).isTrue();
        }
        try (HttpWire c = connect()) {
            String body = "{\"to\":\"bob\",\"amount\":\"1\"}";
            c.send("POST /v1/tokens/transfers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.key("alice")
                    + "\r\nX-Stoq-TOTP: " + t.totp("alice") + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(100);
            c.send(body);
            problem(c.read(), 400, "BAD_REQUEST");
        }
    }

    private String upgrade(String account, String... extra) {
        List<String> h = new ArrayList<>(List.of("Upgrade: websocket", "Connection: Upgrade"));
        h.addAll(List.of(extra));
        return get("/v1/events", account, h.toArray(new String[0]));
    }

    @Test
    public void aWebSocketHandshakeWithoutKeyOrWithAnOldVersionIs400AtOnce() throws Exception {
        String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
        try (HttpWire c = new HttpWire(t.port(), Duration.ofSeconds(5))) {
            problem(c.exchange(upgrade("rita", "Sec-WebSocket-Version: 13")), 400, "BAD_REQUEST");
        }
        try (HttpWire c = new HttpWire(t.port(), Duration.ofSeconds(5))) {
            problem(c.exchange(upgrade("rita", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: c2hvcnQ=")),
                    400, "BAD_REQUEST");
        }
        for (String version : new String[] {null, "8", "0", "", "13, 8"}) {
            try (HttpWire c = new HttpWire(t.port(), Duration.ofSeconds(5))) {
                HttpWire.Response r = c.exchange(version == null ? upgrade("rita", key)
                        : upgrade("rita", key, "Sec-WebSocket-Version: " + version));
                problem(r, 400, "BAD_REQUEST");
                assertThat(r.header("Sec-WebSocket-Version")).as("version %s", version).hasValue("13");
            }
        }
        try (HttpWire c = new HttpWire(t.port(), Duration.ofSeconds(5))) {
            HttpWire.Response r = c.exchange(upgrade("rita", key, "Sec-WebSocket-Version: 13"));
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Accept")).hasValue("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        }
    }

    // ---- keep-alive and pipelining ----------------------------------------------------------

    @Test
    public void plainGetsOnFreshConnectionsKeepTheConnectionOpen() throws Exception {
        for (int i = 0; i < 100; i++) {
            try (HttpWire c = connect()) {
                HttpWire.Response r = c.exchange(get("/healthz", null));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.closes()).as("connection %d said close", i).isFalse();
                assertThat(c.exchange(get("/readyz", null)).status()).as("second request on connection %d", i)
                        .isEqualTo(200);
            }
        }
    }

    @Test
    public void pipelinedRequestsAreAllAnsweredInOrder() throws Exception {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            all.append(i % 2 == 0 ? get("/v1/nothing-" + i, null) : i % 3 == 0 ? get("/v1/me", "rita")
                    : get("/healthz", null));
        }
        try (HttpWire c = connect()) {
            c.send(all.toString());
            for (int i = 0; i < 20; i++) {
                HttpWire.Response r = c.read();
                if (i % 2 == 0) {
                    assertThat(problem(r, 404, "NOT_FOUND").get("detail").asText()).endsWith("/v1/nothing-" + i);
                } else {
                    assertThat(r.status()).as("answer %d: %s", i, r.text()).isEqualTo(200);
                }
                assertThat(r.closes()).isFalse();
            }
        }
    }

    // ---- headers ------------------------------------------------------------------------------

    @Test
    public void twoAuthorizationOrHostHeadersAreRefused() throws Exception {
        problem(raw(get("/v1/me", "rita", "Authorization: Bearer " + t.key("admin"))), 400, "BAD_REQUEST");
        problem(raw(get("/v1/me", "admin", "Authorization: Bearer nonsense")), 400, "BAD_REQUEST");
        problem(raw(get("/healthz", null, "Host: evil.example")), 400, "BAD_REQUEST");
        problem(raw("GET /healthz HTTP/1.1\r\n\r\n"), 400, "BAD_REQUEST");
        assertThat(raw(get("/v1/me", "rita")).status()).isEqualTo(200);
    }

    @Test
    public void overLongLinesAre414And431AndEveryOperationDocumentsThem() throws Exception {
        problem(raw(get("/healthz?x=" + "a".repeat(9000), null)), 414, "URI_TOO_LONG");
        problem(raw(get("/v1/assets?cursor=" + "a".repeat(9000), "rita")), 414, "URI_TOO_LONG");
        problem(raw(get("/healthz", null, "X-Big: " + "a".repeat(40_000))), 431, "HEADERS_TOO_LARGE");
        assertThat(raw(get("/healthz?x=" + "a".repeat(4000), null)).status()).isEqualTo(200);
        for (ServedDocument.Operation op : doc.operations()) {
            for (int status : new int[] {400, 414, 431, 500, 503}) {
                assertThat(op.documents(status)).as("%s documents %d", op.id(), status).isTrue();
            }
        }
    }

    @Test
    public void methodsAPathDoesNotListAnswer405AsTheDocumentSays() throws Exception {
        JsonNode r405 = doc.json().path("components").path("responses").path("MethodNotAllowed");
        assertThat(r405.path("headers").has("Allow")).isTrue();
        for (String path : new TreeSet<>(doc.operations().stream().map(ServedDocument.Operation::path).toList())) {
            HttpWire.Response r = raw(request("PATCH", ServedDocument.concrete(path, pathValues()), "admin", ""));
            problem(r, 405, "METHOD_NOT_ALLOWED");
            assertThat(new TreeSet<>(List.of(r.header("Allow").orElse("").split(",\\s*"))))
                    .as(path).isEqualTo(new TreeSet<>(doc.methodsOf(path)));
        }
    }

    // ---- HEAD and conditional requests (issue 14, deliverable 4) ----------------------------------

    @Test
    public void headAnswersEveryGetPathWithTheGetsStatusAndHeadersButNoBody() throws Exception {
        List<ServedDocument.Operation> gets = doc.operations().stream().filter(o -> o.method().equals("GET")).toList();
        assertThat(doc.headOperations()).extracting(ServedDocument.Operation::path)
                .containsExactlyInAnyOrderElementsOf(gets.stream().map(ServedDocument.Operation::path).toList());
        for (ServedDocument.Operation op : doc.headOperations()) {
            String target = ServedDocument.concrete(op.path(), pathValues());
            HttpWire.Response get;
            HttpWire.Response head;
            try (HttpWire c = connect()) {
                get = c.exchange(request("GET", target, "admin", null));
                head = c.send(request("HEAD", target, "admin", null)).read(false);
                // a body sent after the HEAD's head would be read as the next response here
                assertThat(c.exchange(request("GET", "/healthz", null, null)).status()).as(target).isEqualTo(200);
            }
            assertThat(head.status()).as(target).isEqualTo(get.status());
            assertThat(head.header("Content-Type")).as(target).isEqualTo(get.header("Content-Type"));
            assertThat(head.header("ETag")).as(target).isEqualTo(get.header("ETag"));
            if (op.path().startsWith("/v1/assets/{id}") || op.path().equals("/v1/openapi.json")) {
                assertThat(head.header("Content-Length")).as(target).isEqualTo(get.header("Content-Length"));
            }
        }
    }

    @Test
    public void assetReadsCarryStrongValidatorsAndAnswer304WhenTheClientIsCurrent() throws Exception {
        String a = upload("alice", "application/octet-stream", null, "0123456789");
        String meta = "/v1/assets/" + a;
        String content = meta + "/content";
        HttpWire.Response m = raw(get(meta, "alice"));
        String metaTag = m.header("ETag").orElseThrow();
        assertThat(metaTag).matches("\"v1-[0-9a-f]{8}\"");
        HttpWire.Response c = raw(get(content, "alice"));
        String tag = c.header("ETag").orElseThrow();
        String modified = c.header("Last-Modified").orElseThrow();
        assertThat(tag).isEqualTo("\"v1\"");
        assertThat(modified).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");

        HttpWire.Response notModified = raw(get(content, "alice", "If-None-Match: " + tag));
        assertThat(notModified.status()).isEqualTo(304);
        assertThat(notModified.header("ETag")).hasValue(tag);
        assertThat(notModified.body()).isEmpty();
        try (HttpWire w = connect()) {
            assertThat(w.send(request("HEAD", content, "alice", null, "If-None-Match: " + tag)).read(false).status()).isEqualTo(304);
        }
        assertThat(raw(get(content, "alice", "If-None-Match: \"v0\", W/\"v1\"")).status()).as("weak comparison").isEqualTo(304);
        assertThat(raw(get(content, "alice", "If-None-Match: \"v0\"")).status()).isEqualTo(200);
        assertThat(raw(get(content, "alice", "If-Modified-Since: " + modified)).status()).isEqualTo(304);
        assertThat(raw(get(content, "alice", "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT")).text()).isEqualTo("0123456789");
        assertThat(raw(get(meta, "alice", "If-None-Match: " + metaTag)).status()).isEqualTo(304);
        assertThat(raw(get(meta, "alice", "If-None-Match: " + tag)).status()).as("the content's tag is not the metadata's")
                .isEqualTo(200);
        problem(raw(get(content, "alice", "If-None-Match: v1")), 400, "BAD_REQUEST");

        // If-Range: a current validator keeps the range, a stale one gets the whole content
        HttpWire.Response resumed = raw(get(content, "alice", "Range: bytes=2-4", "If-Range: " + tag));
        assertThat(resumed.status()).isEqualTo(206);
        assertThat(resumed.text()).isEqualTo("234");
        HttpWire.Response stale = raw(get(content, "alice", "Range: bytes=2-4", "If-Range: \"v9\""));
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.text()).isEqualTo("0123456789");
        assertThat(raw(get(content, "alice", "Range: bytes=2-4", "If-Range: " + modified)).status()).isEqualTo(206);

        // a new version: the old validators no longer match the latest content
        assertThat(raw(request("PUT", content, "alice", "abc", "Content-Type: application/octet-stream")).status()).isEqualTo(200);
        HttpWire.Response v2 = raw(get(content, "alice", "If-None-Match: " + tag));
        assertThat(v2.status()).isEqualTo(200);
        assertThat(v2.header("ETag")).hasValue("\"v2\"");
        assertThat(raw(get(content + "?version=1", "alice", "If-None-Match: " + tag)).status()).as("version 1 itself never changes")
                .isEqualTo(304);
    }

    @Test
    public void conditionalWritesLoseWith412AndChangeNothing() throws Exception {
        String a = upload("alice", "application/octet-stream", null, "first");
        String content = "/v1/assets/" + a + "/content";
        String metaTag = raw(get("/v1/assets/" + a, "alice")).header("ETag").orElseThrow();
        problem(raw(request("PUT", content, "alice", "x", "Content-Type: application/octet-stream", "If-Match: \"v7\"")),
                412, "PRECONDITION_FAILED");
        problem(raw(request("PUT", content, "alice", "x", "Content-Type: application/octet-stream", "If-None-Match: *")),
                412, "PRECONDITION_FAILED");
        problem(raw(request("PUT", content, "alice", "x", "Content-Type: application/octet-stream",
                "If-Unmodified-Since: Thu, 01 Jan 2015 00:00:00 GMT")), 412, "PRECONDITION_FAILED");
        problem(raw(request("DELETE", "/v1/assets/" + a, "alice", null, "If-Match: \"v7\"", "X-Stoq-TOTP: " + t.totp("alice"))),
                412, "PRECONDITION_FAILED");
        problem(raw(request("POST", "/v1/assets/" + a + "/transfers", "alice", "{\"newOwner\":\"bob\"}",
                "Content-Type: application/json", "If-Match: \"v7\"", "X-Stoq-TOTP: " + t.totp("alice"))), 412, "PRECONDITION_FAILED");
        JsonNode still = Json.MAPPER.readTree(raw(get("/v1/assets/" + a, "alice")).body());
        assertThat(still.get("version").asLong()).isEqualTo(1);
        assertThat(still.get("owner").asText()).isEqualTo("alice");
        assertThat(raw(get(content, "alice")).text()).isEqualTo("first");
        // the metadata's tag and the content's tag both name the current state
        assertThat(raw(request("PUT", content, "alice", "second", "Content-Type: application/octet-stream", "If-Match: " + metaTag))
                .status()).isEqualTo(200);
        assertThat(raw(request("PUT", content, "alice", "third", "Content-Type: application/octet-stream", "If-Match: \"v2\""))
                .status()).isEqualTo(200);
    }

    /** Two writers holding the same validator race: exactly one new version, the other writer gets 412. */
    @Test
    public void ofTwoWritersWithTheSameIfMatchExactlyOneWins() throws Exception {
        String a = upload("alice", "application/octet-stream", null, "base");
        String content = "/v1/assets/" + a + "/content";
        for (int round = 1; round <= 3; round++) {
            String ifMatch = "If-Match: \"v" + round + "\"";
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                List<java.util.concurrent.Future<Integer>> statuses = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    String body = "round " + round + " writer " + w;
                    statuses.add(pool.submit(() -> {
                        start.await();
                        return raw(request("PUT", content, "alice", body, "Content-Type: application/octet-stream", ifMatch)).status();
                    }));
                }
                List<Integer> got = new ArrayList<>();
                for (java.util.concurrent.Future<Integer> f : statuses) {
                    got.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
                }
                assertThat(got).as("round %d", round).containsExactlyInAnyOrder(200, 412);
            } finally {
                pool.shutdownNow();
            }
            assertThat(Json.MAPPER.readTree(raw(get("/v1/assets/" + a, "alice")).body()).get("version").asLong()).isEqualTo(round + 1);
        }
    }

    // ---- JSON bodies ----------------------------------------------------------------------------

    private HttpWire.Response postJson(String target, String account, String body) throws IOException {
        return raw(request("POST", target, account, body, "Content-Type: application/json",
                "X-Stoq-TOTP: " + t.totp(account)));
    }

    @Test
    public void jsonBodyErrorsNameTheFieldAndTheExpectedTypeNeverAJavaName() throws Exception {
        Map<String, String[]> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"id\":5,\"role\":\"reader\"}", new String[] {"/v1/accounts", "admin", "'id'", "string"});
        cases.put("{\"id\":\"zed\",\"role\":\"reader\",\"nick\":\"z\"}", new String[] {"/v1/accounts", "admin", "'nick'", "id, role"});
        cases.put("{\"role\":\"reader\"}", new String[] {"/v1/accounts", "admin", "'id'", "missing"});
        cases.put("{\"to\":\"bob\",\"amount\":\"5\"}", new String[] {"/v1/tokens/transfers", "alice", "'amount'", "integer"});
        cases.put("{\"to\":\"bob\",\"amount\":99999999999999999999}", new String[] {"/v1/tokens/transfers", "alice", "'amount'", "range"});
        cases.put("{\"to\":\"bob\"}", new String[] {"/v1/tokens/transfers", "alice", "'amount'", "missing"});
        cases.put("{\"to\":\"bob\",\"amount\":1,\"amount\":2}", new String[] {"/v1/tokens/transfers", "alice", "'amount'", "more than once"});
        cases.put("{\"to\":[\"bob\"],\"amount\":1}", new String[] {"/v1/tokens/transfers", "alice", "'to'", "string"});
        cases.put("[1,2]", new String[] {"/v1/tokens/transfers", "alice", "body", "object"});
        cases.put("{\"to\":", new String[] {"/v1/tokens/transfers", "alice", "JSON", "ends"});
        cases.put("{\"expiresAt\":12}", new String[] {"/v1/accounts/alice/keys", "alice", "'expiresAt'", "ISO-8601"});
        cases.put("{\"label\":{}}", new String[] {"/v1/accounts/alice/keys", "alice", "'label'", "string"});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            String[] w = c.getValue();
            JsonNode p = problem(postJson(w[0], w[1], c.getKey()), 400, "BAD_REQUEST");
            assertThat(p.get("detail").asText()).as(c.getKey()).contains(w[2]).contains(w[3]);
        }
    }

    private long balance(String account) throws IOException {
        HttpWire.Response r = raw(get("/v1/accounts/" + account + "/balance", account));
        assertThat(r.status()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body()).get("balance").asLong();
    }

    @Test
    public void aFractionalStringOrOutOfRangeAmountIsRefusedAndMovesNothing() throws Exception {
        long alice = balance("alice");
        long bob = balance("bob");
        for (String amount : new String[] {"1.5", "1.0", "1e2", "0.5", "\"1\"", "true", "9223372036854775808",
                "-9223372036854775809", "1E400", "[1]"}) {
            HttpWire.Response r = postJson("/v1/tokens/transfers", "alice",
                    "{\"to\":\"bob\",\"amount\":" + amount + "}");
            assertThat(r.status()).as("amount %s: %s", amount, r.text()).isIn(400, 422);
            problem(r, r.status(), r.status() == 400 ? "BAD_REQUEST" : "UNPROCESSABLE");
        }
        assertThat(balance("alice")).isEqualTo(alice);
        assertThat(balance("bob")).isEqualTo(bob);
        HttpWire.Response ok = postJson("/v1/tokens/transfers", "alice", "{\"to\":\"bob\",\"amount\":2}");
        assertThat(ok.status()).as(ok.text()).isEqualTo(201);
        assertThat(balance("bob")).isEqualTo(bob + 2);
    }

    // ---- the document against the answers --------------------------------------------------------

    private ServedDocument.Operation op(String id) {
        return doc.operations().stream().filter(o -> o.id().equals(id)).findFirst().orElseThrow();
    }

    private void conforms(String opId, HttpWire.Response r) throws IOException {
        JsonNode schema = SchemaCheck.responseSchema(op(opId).spec(), r.status());
        assertThat(schema).as("%s documents %d", opId, r.status()).isNotNull();
        assertThat(schemas.problems(schema, Json.MAPPER.readTree(r.body()))).as("%s: %s", opId, r.text()).isEmpty();
    }

    @Test
    public void answersWithAbsentValuesMatchTheirSchemas() throws Exception {
        String unnamed = upload("alice", "application/octet-stream", null, "no name");
        conforms("getAsset", raw(get("/v1/assets/" + unnamed, "alice")));
        conforms("listAssets", raw(get("/v1/assets?limit=5", "alice")));
        conforms("listApiKeys", raw(get("/v1/accounts/alice/keys", "alice")));
        assertThat(raw(get("/v1/me", null)).status()).isEqualTo(401); // an anonymous audit record
        conforms("queryAudit", raw(get("/v1/audit?limit=500", "audrey")));
        conforms("openApi", raw(get("/v1/openapi.json", null)));
        conforms("getMe", raw(get("/v1/me", "rita")));
        conforms("getAssetHistory", raw(get("/v1/assets/" + unnamed + "/history", "alice")));
        conforms("getAsset", raw(get("/v1/assets/nope", "alice")));
    }

    @Test
    public void requestSchemasStateTheirRequiredFields() {
        Map<String, List<String>> expected = Map.of("transferTokens", List.of("to", "amount"),
                "createAccount", List.of("id", "role"), "setAccountRole", List.of("role"),
                "transferAsset", List.of("newOwner"));
        expected.forEach((id, fields) -> {
            JsonNode s = doc.requestSchema(op(id));
            List<String> required = new ArrayList<>();
            s.path("required").forEach(n -> required.add(n.asText()));
            assertThat(required).as(id).containsExactlyInAnyOrderElementsOf(fields);
        });
        for (ServedDocument.Operation o : doc.operations()) {
            if (o.takesJson()) {
                JsonNode s = doc.requestSchema(o);
                s.path("properties").fields().forEachRemaining(f -> {
                    boolean nullable = f.getValue().path("type").isArray() || f.getValue().has("anyOf");
                    boolean required = false;
                    for (JsonNode r : s.path("required")) {
                        required |= r.asText().equals(f.getKey());
                    }
                    assertThat(required).as("%s field %s required unless nullable", o.id(), f.getKey())
                            .isEqualTo(!nullable);
                });
            }
        }
    }

    // ---- downloads (deliverable 8) ---------------------------------------------------------------

    private HttpWire.Response download(String id) throws IOException {
        return raw(get("/v1/assets/" + id + "/content", "alice"));
    }

    @Test
    public void downloadsAreNeverSniffedAndRiskyTypesComeAsAttachments() throws Exception {
        String html = upload("alice", "text/html", "r\u00e9sum\u00e9 \"q\".html", "<script>alert(1)</script>");
        HttpWire.Response r = download(html);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.header("Content-Type")).hasValue("text/html");
        assertThat(r.header("Content-Disposition")).hasValue(
                "attachment; filename=\"r_sum_ _q_.html\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22q%22.html");
        assertThat(r.header("Content-Security-Policy")).hasValue("sandbox");

        for (String risky : new String[] {"image/svg+xml", "application/pdf", "application/xhtml+xml",
                "text/javascript", "application/octet-stream", "TEXT/HTML; charset=utf-8"}) {
            HttpWire.Response d = download(upload("alice", risky, "f.bin", "x"));
            assertThat(d.header("Content-Disposition")).as(risky).hasValue("attachment; filename=\"f.bin\"");
            assertThat(d.header("X-Content-Type-Options")).hasValue("nosniff");
        }
        for (String safe : new String[] {"image/png", "text/plain; charset=utf-8", "video/mp4"}) {
            HttpWire.Response d = download(upload("alice", safe, "ok.dat", "x"));
            assertThat(d.header("Content-Disposition")).as(safe).hasValue("inline; filename=\"ok.dat\"");
            assertThat(d.header("Content-Type")).hasValue(safe);
        }
        HttpWire.Response unnamed = download(assetId);
        assertThat(unnamed.header("Content-Disposition")).hasValue("attachment; filename=\"" + assetId + "\"");
        HttpWire.Response ranged = raw(get("/v1/assets/" + html + "/content", "alice", "Range: bytes=0-3"));
        assertThat(ranged.status()).isEqualTo(206);
        assertThat(ranged.header("Content-Disposition").orElse("")).startsWith("attachment");
        assertThat(ranged.header("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    public void anUploadTypeThatIsNotAMediaTypeIsRefused() throws Exception {
        for (String bad : new String[] {"text/plain, text/html", "html", "text/html; x", "text/plain; a=\"b",
                "image/png\u000b", "a/b/c"}) {
            problem(raw(request("POST", "/v1/assets", "alice", "x", "Content-Type: " + bad)), 400, "BAD_REQUEST");
        }
    }
}
