package io.stoq.fragmint;

import io.stoq.fragmint.client.Http3Client;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.hash.Sha256;
import io.stoq.fragmint.http.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same routes over HTTP/3 (QUIC) with Netty's HTTP/3 client, compared with HTTP/1.1. */
class Http3Test {
    static TestServer t;
    static Http3Client h3;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer();
        h3 = new Http3Client(t.server.http3Port(), t.server.certificate());
    }

    @AfterAll
    static void stop() throws Exception {
        h3.close();
        t.close();
    }

    static Map<String, String> auth(String account) {
        return Map.of("authorization", "Bearer " + t.keys.get(account), "content-type", "application/octet-stream");
    }

    @Test
    void hybridPostQuantumKeyExchangeIsOffered() throws Exception {
        // A client that accepts only X25519MLKEM768 can complete the handshake only if the server offers it.
        try (Http3Client pqOnly = new Http3Client(t.server.http3Port(), t.server.certificate(),
                new String[] {"X25519MLKEM768"})) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            assertThat(pqOnly.exchange("GET", "/healthz", Map.of(), null, 0, body).status()).isEqualTo(200);
        }
    }

    @Test
    void abandonedUploadLeavesNothing() throws Exception {
        int before = t.node.assets.assetCount();
        Http3Abandon.abandonUpload(h3, "/v1/assets", auth("alice"), SecureRandoms.bytes(300_000), 1_000_000);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(t.node.accounts.auditRecords()).anySatisfy(r -> {
                    assertThat(r.operation()).isEqualTo("createAsset");
                    assertThat(r.status()).isEqualTo(400);
                }));
        assertThat(t.node.assets.assetCount()).isEqualTo(before);
        assertThat(t.node.assets.stagingFiles()).isZero();
        // the connection is still usable
        ByteArrayOutputStream ok = new ByteArrayOutputStream();
        assertThat(h3.exchange("GET", "/healthz", Map.of(), null, 0, ok).status()).isEqualTo(200);
    }

    @Test
    void altSvcAdvertisesTheHttp3Port() throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/healthz", null).build());
        assertThat(r.headers().firstValue("Alt-Svc")).hasValue("h3=\":" + t.server.http3Port() + "\"; ma=86400");
    }

    @Test
    void uploadAndDownloadMatchHttp11() throws Exception {
        for (int size : new int[] {0, 1, 1_000_003, 9 * 1024 * 1024}) {
            byte[] data = SecureRandoms.bytes(size);
            ByteArrayOutputStream created = new ByteArrayOutputStream();
            Http3Client.Result up = h3.exchange("POST", "/v1/assets", auth("alice"),
                    new ByteArrayInputStream(data), size, created);
            assertThat(up.status()).as(created.toString()).isEqualTo(201);
            JsonNode m = Json.MAPPER.readTree(created.toByteArray());
            assertThat(m.get("sha256").asText()).isEqualTo(Sha256.hash(data).toHex());
            assertThat(m.get("size").asLong()).isEqualTo(size);
            assertThat(up.headers()).doesNotContainKey("alt-svc");
            String id = m.get("id").asText();

            ByteArrayOutputStream viaH3 = new ByteArrayOutputStream();
            Http3Client.Result down = h3.exchange("GET", "/v1/assets/" + id + "/content", auth("alice"), null, 0, viaH3);
            assertThat(down.status()).isEqualTo(200);
            assertThat(viaH3.toByteArray()).isEqualTo(data);
            byte[] viaH1 = t.send(t.request("/v1/assets/" + id + "/content", "alice").build()).body();
            assertThat(viaH1).isEqualTo(data);
        }
    }

    @Test
    void rangesAuthAndProblemsOverHttp3() throws Exception {
        byte[] data = SecureRandoms.bytes(10_000);
        String id = t.send(t.request("/v1/assets", "alice").POST(HttpRequest.BodyPublishers.ofByteArray(data)).build())
                .headers().firstValue("Location").orElseThrow().substring("/v1/assets/".length());
        ByteArrayOutputStream part = new ByteArrayOutputStream();
        Map<String, String> h = new java.util.HashMap<>(auth("alice"));
        h.put("range", "bytes=100-199");
        Http3Client.Result r = h3.exchange("GET", "/v1/assets/" + id + "/content", h, null, 0, part);
        assertThat(r.status()).isEqualTo(206);
        assertThat(part.toByteArray()).isEqualTo(Arrays.copyOfRange(data, 100, 200));

        // HEAD: the GET's head, no DATA frames (over HTTP/3 nothing would drop a body for us)
        ByteArrayOutputStream none = new ByteArrayOutputStream();
        Http3Client.Result head = h3.exchange("HEAD", "/v1/assets/" + id + "/content", auth("alice"), null, 0, none);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.headers().get("content-length")).isEqualTo("10000");
        assertThat(head.headers().get("etag")).isEqualTo("\"v1\"");
        assertThat(head.bodyBytes()).isZero();
        assertThat(none.size()).isZero();

        ByteArrayOutputStream p = new ByteArrayOutputStream();
        Http3Client.Result anon = h3.exchange("GET", "/v1/assets/" + id, Map.of(), null, 0, p);
        assertThat(anon.status()).isEqualTo(401);
        // audit records the client's IP for HTTP/3 too (not the QUIC stream id)
        assertThat(t.node.accounts.auditRecords()).filteredOn(a -> a.actor().equals("anonymous"))
                .allSatisfy(a -> assertThat(a.remote()).isEqualTo("127.0.0.1"));
        assertThat(anon.headers().get("content-type")).isEqualTo("application/problem+json");
        assertThat(Json.MAPPER.readTree(p.toByteArray()).get("code").asText()).isEqualTo("UNAUTHENTICATED");
    }
}
