package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.DataSize;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets the right 4xx problem+json and changes nothing: malformed JSON, wrong content
 * types, oversize and truncated bodies, bad ranges, unknown ids and routes.
 */
class ErrorHandlingTest {
    static final int MAX_UPLOAD = 1024 * 1024;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer(ApiServerConfig.defaults().withPorts(0, -1)
                .withMaxUploadSize(DataSize.ofBytes(MAX_UPLOAD)));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    static JsonNode problem(HttpResponse<byte[]> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode p = TestServer.json(r);
        assertThat(p.get("code").asText()).isEqualTo(code);
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("detail").asText()).doesNotContain("Exception").doesNotContain("\n");
        return p;
    }

    private HttpResponse<byte[]> postJson(String path, String account, String contentType, String body)
            throws Exception {
        return t.send(t.request(path, account).header("Content-Type", contentType)
                .header("X-Stoq-TOTP", t.totp(account)).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void malformedJson() throws Exception {
        problem(postJson("/v1/tokens/transfers", "alice", "application/json", "{\"to\": \"bob\", "), 400, "BAD_REQUEST");
        problem(postJson("/v1/tokens/transfers", "alice", "application/json", "[1,2]"), 400, "BAD_REQUEST");
        problem(postJson("/v1/tokens/transfers", "alice", "application/json", "{\"to\":\"bob\",\"amount\":1,\"x\":2}"),
                400, "BAD_REQUEST");
        problem(postJson("/v1/tokens/transfers", "alice", "application/json", "{} {}"), 400, "BAD_REQUEST");
        problem(postJson("/v1/tokens/transfers", "alice", "application/json", ""), 400, "BAD_REQUEST");
        problem(postJson("/v1/tokens/transfers", "alice", "application/json", "{\"to\":\"bob\",\"amount\":-3}"),
                422, "UNPROCESSABLE");
        assertThat(t.node.accounts.balance("alice").balance()).isEqualTo(1000);
    }

    @Test
    void wrongContentTypes() throws Exception {
        problem(postJson("/v1/tokens/transfers", "alice", "text/plain", "{\"to\":\"bob\",\"amount\":1}"),
                415, "UNSUPPORTED_MEDIA_TYPE");
        int before = t.node.assets.assetCount();
        HttpResponse<byte[]> form = t.send(t.request("/v1/assets", "alice")
                .header("Content-Type", "multipart/form-data; boundary=x")
                .POST(HttpRequest.BodyPublishers.ofString("--x--")).build());
        problem(form, 415, "UNSUPPORTED_MEDIA_TYPE");
        HttpResponse<byte[]> badName = t.send(t.request("/v1/assets", "alice").header("X-Stoq-Name", "x".repeat(300))
                .POST(HttpRequest.BodyPublishers.ofString("data")).build());
        problem(badName, 400, "BAD_REQUEST");
        assertThat(t.node.assets.assetCount()).isEqualTo(before);
        assertThat(t.node.accounts.balance("alice").balance()).isEqualTo(1000);
    }

    @Test
    void oversizeBodies() throws Exception {
        int before = t.node.assets.assetCount();
        String big = "{\"to\":\"bob\",\"amount\":1,\"memo\":\"" + "x".repeat(70_000) + "\"}";
        problem(postJson("/v1/tokens/transfers", "alice", "application/json", big), 413, "PAYLOAD_TOO_LARGE");
        HttpResponse<byte[]> up = t.send(t.request("/v1/assets", "alice")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_UPLOAD + 1])).build());
        problem(up, 413, "PAYLOAD_TOO_LARGE");
        assertThat(t.node.assets.assetCount()).isEqualTo(before);
        assertThat(t.node.assets.stagingFiles()).isZero();
    }

    @Test
    void expectContinueIsRefusedBeforeTheBodyWhenTooLarge() throws Exception {
        try (Socket s = new Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /v1/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + t.keys.get("alice") + "\r\nContent-Length: " + (MAX_UPLOAD + 1)
                    + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413").contains("application/problem+json");
        }
        try (Socket s = new Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /v1/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + t.keys.get("alice") + "\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 100");
            s.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 201");
        }
    }

    @Test
    void oversizeChunkedUploadIsCutOff() throws Exception {
        int before = t.node.assets.assetCount();
        try (Socket s = new Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.keys.get("alice")
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            try {
                for (int i = 0; i < 40; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (java.io.IOException closedByServer) {
                // the server may close as soon as the limit is crossed
            }
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413");
        }
        assertThat(t.node.assets.assetCount()).isEqualTo(before);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(t.node.assets.stagingFiles()).isZero());
    }

    @Test
    void truncatedUploadLeavesNothing() throws Exception {
        int before = t.node.assets.assetCount();
        try (Socket s = new Socket("127.0.0.1", t.server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.keys.get("alice")
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 500000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(SecureRandoms.bytes(200_000));
            out.flush();
            Thread.sleep(200);
        } // closed mid-body
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(t.node.assets.stagingFiles()).isZero();
            assertThat(t.node.accounts.auditRecords()).anySatisfy(r -> {
                assertThat(r.operation()).isEqualTo("createAsset");
                assertThat(r.status()).isEqualTo(400);
            });
        });
        assertThat(t.node.assets.assetCount()).isEqualTo(before);
    }

    @Test
    void badRanges() throws Exception {
        byte[] data = SecureRandoms.bytes(100);
        String id = TestServer.json(t.send(t.request("/v1/assets", "alice")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build())).get("id").asText();
        for (String range : new String[] {"bytes=100-", "bytes=200-300", "bytes=5-2", "bytes=abc", "items=0-1",
                "bytes=0-1,3-4", "bytes=-0"}) {
            HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + id + "/content", "alice")
                    .header("Range", range).build());
            problem(r, 416, "RANGE_NOT_SATISFIABLE");
            assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes */100");
        }
        assertThat(TestServer.json(t.send(t.request("/v1/assets/" + id + "/content", "alice")
                .header("Range", "bytes=500-").build())).get("detail").asText()).contains("starts at 500");
        String empty = TestServer.json(t.send(t.request("/v1/assets", "alice")
                .POST(HttpRequest.BodyPublishers.noBody()).build())).get("id").asText();
        problem(t.send(t.request("/v1/assets/" + empty + "/content", "alice").header("Range", "bytes=0-0").build()),
                416, "RANGE_NOT_SATISFIABLE");
        HttpResponse<byte[]> whole = t.send(t.request("/v1/assets/" + empty + "/content", "alice").build());
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEmpty();
    }

    @Test
    void unknownIdsRoutesAndMethods() throws Exception {
        problem(t.send(t.request("/v1/assets/nope", "alice").build()), 404, "NOT_FOUND");
        problem(t.send(t.request("/v1/assets/nope/content", "alice").build()), 404, "NOT_FOUND");
        problem(t.send(t.request("/v1/assets/nope/history", "alice").build()), 404, "NOT_FOUND");
        problem(t.send(t.request("/v1/assets/nope/content", "alice")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[10])).build()), 404, "NOT_FOUND");
        problem(t.send(t.request("/v1/ledger/blocks/999999", "rita").build()), 404, "NOT_FOUND");
        problem(t.send(t.request("/v1/ledger/blocks/x1", "rita").build()), 400, "BAD_REQUEST");
        problem(t.send(t.request("/v1/nodes/ghost", "otto").build()), 404, "NOT_FOUND");
        problem(t.send(t.request("/v1/accounts/ghost", "admin").build()), 404, "NOT_FOUND");
        problem(t.send(t.request("/v1/nothing-here", "alice").build()), 404, "NOT_FOUND");
        problem(t.send(t.request("/v1/assets/a%2F..%2Fb", "alice").build()), 404, "NOT_FOUND");
        HttpResponse<byte[]> notAllowed = t.send(t.request("/v1/assets/x", "alice").method("PATCH",
                HttpRequest.BodyPublishers.noBody()).build());
        problem(notAllowed, 405, "METHOD_NOT_ALLOWED");
        assertThat(notAllowed.headers().firstValue("Allow")).hasValue("GET, HEAD, DELETE");
        problem(t.send(t.request("/v1/assets?limit=0", "alice").build()), 400, "BAD_REQUEST");
        problem(t.send(t.request("/v1/assets/x?version=abc", "alice").build()), 400, "BAD_REQUEST");
    }

    @Test
    void malformedHttpIsAProblemNotAStackTrace() throws Exception {
        try (Socket s = new Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(40_000)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            assertThat(head).matches("(?s)HTTP/1.1 4(00|13|31).*");
            assertThat(head).contains("application/problem+json");
        }
    }

    static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            if (b.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }
}
