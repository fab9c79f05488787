package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.hash.Sha256;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The asset core end to end over HTTP/1.1 and HTTP/2 (h2c) with the JDK's HttpClient. */
class AssetApiTest {
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    static HttpResponse<byte[]> upload(HttpClient.Version v, String account, byte[] data) throws Exception {
        return t.send(v, t.request("/v1/assets", account).header("Content-Type", "application/octet-stream")
                .header("X-Stoq-Name", "file.bin").POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
    }

    @ParameterizedTest
    @EnumSource(names = {"HTTP_1_1", "HTTP_2"})
    void uploadThenDownloadGivesIdenticalBytes(HttpClient.Version v) throws Exception {
        // warm the connection so HTTP/2 is negotiated (h2c upgrade) before the big bodies
        t.send(v, t.request("/healthz", null).build());
        for (int size : new int[] {0, 1, 65_535, 65_537, 3 * 1024 * 1024 + 17}) {
            byte[] data = SecureRandoms.bytes(size);
            HttpResponse<byte[]> created = upload(v, "alice", data);
            assertThat(created.statusCode()).as("size %d: %s", size, new String(created.body())).isEqualTo(201);
            JsonNode m = TestServer.json(created);
            assertThat(m.get("size").asLong()).isEqualTo(size);
            assertThat(m.get("version").asLong()).isEqualTo(1);
            assertThat(m.get("sha256").asText()).isEqualTo(Sha256.hash(data).toHex());
            assertThat(m.get("sha3").isNull()).as("sent, as null: new versions have a SHA-256 digest only").isTrue();
            assertThat(m.get("merkleRoot").asText()).hasSize(64);
            assertThat(created.headers().firstValue("Location")).hasValue("/v1/assets/" + m.get("id").asText());
            if (v == HttpClient.Version.HTTP_2) {
                assertThat(created.version()).isEqualTo(HttpClient.Version.HTTP_2);
            }
            HttpResponse<byte[]> got = t.send(v, t.request("/v1/assets/" + m.get("id").asText() + "/content",
                    "alice").build());
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo(data);
            assertThat(got.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            assertThat(got.headers().firstValue("X-Stoq-Sha256")).hasValue(Sha256.hash(data).toHex());
            assertThat(got.headers().firstValue("Repr-Digest"))
                    .hasValue("sha-256=:" + java.util.Base64.getEncoder().encodeToString(Sha256.hash(data).toBytes()) + ":");
            assertThat(got.headers().firstValue("Alt-Svc")).hasValue("h3=\":" + t.server.http3Port() + "\"; ma=86400");
        }
    }

    @org.junit.jupiter.api.Test
    void freshHttp2ClientWhoseFirstRequestIsABigUpload() throws Exception {
        // The JDK client sends "Upgrade: h2c" on its first request, body included; a body larger
        // than the upgrade buffer must not break the upload.
        java.net.http.HttpClient fresh = java.net.http.HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        byte[] data = SecureRandoms.bytes(2 * 1024 * 1024);
        HttpResponse<byte[]> r = fresh.send(t.request("/v1/assets", "alice")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        assertThat(TestServer.json(r).get("sha256").asText()).isEqualTo(Sha256.hash(data).toHex());
        HttpResponse<byte[]> second = fresh.send(t.request("/healthz", null).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(second.statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(names = {"HTTP_1_1", "HTTP_2"})
    void uploadOfUnknownLengthIsStreamed(HttpClient.Version v) throws Exception {
        t.send(v, t.request("/healthz", null).build());
        byte[] data = SecureRandoms.bytes(1_500_000);
        // ofInputStream has no length: chunked on HTTP/1.1, no Content-Length on HTTP/2
        HttpResponse<byte[]> r = t.send(v, t.request("/v1/assets", "alice").POST(HttpRequest.BodyPublishers
                .ofInputStream(() -> new java.io.ByteArrayInputStream(data))).build());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        assertThat(TestServer.json(r).get("size").asLong()).isEqualTo(data.length);
        String id = TestServer.json(r).get("id").asText();
        assertThat(t.send(v, t.request("/v1/assets/" + id + "/content", "alice").build()).body()).isEqualTo(data);
    }

    @ParameterizedTest
    @EnumSource(names = {"HTTP_1_1", "HTTP_2"})
    void rangesAreExact(HttpClient.Version v) throws Exception {
        byte[] data = SecureRandoms.bytes(200_000);
        String id = TestServer.json(upload(v, "alice", data)).get("id").asText();
        String[][] cases = {{"bytes=0-0", "0", "0"}, {"bytes=10-19", "10", "19"}, {"bytes=199990-", "199990", "199999"},
                {"bytes=-5", "199995", "199999"}, {"bytes=100-999999", "100", "199999"}, {"bytes=0-199999", "0", "199999"}};
        for (String[] c : cases) {
            HttpResponse<byte[]> r = t.send(v, t.request("/v1/assets/" + id + "/content", "alice")
                    .header("Range", c[0]).build());
            int first = Integer.parseInt(c[1]);
            int last = Integer.parseInt(c[2]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(206);
            assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes " + first + "-" + last + "/200000");
            assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, first, last + 1));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"HTTP_1_1", "HTTP_2"})
    void updateKeepsOldVersionReadable(HttpClient.Version v) throws Exception {
        byte[] v1 = SecureRandoms.bytes(1000);
        byte[] v2 = SecureRandoms.bytes(2000);
        String id = TestServer.json(upload(v, "alice", v1)).get("id").asText();
        HttpResponse<byte[]> up = t.send(v, t.request("/v1/assets/" + id + "/content", "alice")
                .header("Content-Type", "application/octet-stream").header("If-Match", "\"v1\"")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(v2)).build());
        assertThat(up.statusCode()).as(new String(up.body())).isEqualTo(200);
        assertThat(TestServer.json(up).get("version").asLong()).isEqualTo(2);
        assertThat(t.send(v, t.request("/v1/assets/" + id + "/content", "alice").build()).body()).isEqualTo(v2);
        assertThat(t.send(v, t.request("/v1/assets/" + id + "/content?version=1", "alice").build()).body()).isEqualTo(v1);
        assertThat(TestServer.json(t.send(v, t.request("/v1/assets/" + id + "?version=1", "alice").build()))
                .get("size").asLong()).isEqualTo(1000);
        // stale If-Match: 412, nothing changes
        HttpResponse<byte[]> stale = t.send(v, t.request("/v1/assets/" + id + "/content", "alice")
                .header("If-Match", "\"v1\"").PUT(HttpRequest.BodyPublishers.ofByteArray(v1)).build());
        assertThat(stale.statusCode()).isEqualTo(412);
        JsonNode hist = TestServer.json(t.send(v, t.request("/v1/assets/" + id + "/history", "alice").build()));
        assertThat(hist.get("items")).hasSize(2);
        assertThat(hist.get("items").get(1).get("change").asText()).isEqualTo("UPDATE");
    }

    @ParameterizedTest
    @EnumSource(names = {"HTTP_1_1", "HTTP_2"})
    void transferChangesWhoMayWrite(HttpClient.Version v) throws Exception {
        String id = TestServer.json(upload(v, "alice", new byte[] {1, 2, 3})).get("id").asText();
        // bob may not even see alice's asset: 404, as for an asset that does not exist
        HttpResponse<byte[]> bobWrites = t.send(v, t.request("/v1/assets/" + id + "/content", "bob")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {9})).build());
        assertThat(bobWrites.statusCode()).isEqualTo(404);
        HttpResponse<byte[]> tr = t.send(v, t.request("/v1/assets/" + id + "/transfers", "alice")
                .header("Content-Type", "application/json").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"newOwner\":\"bob\"}")).build());
        assertThat(tr.statusCode()).as(new String(tr.body())).isEqualTo(200);
        assertThat(TestServer.json(tr).get("owner").asText()).isEqualTo("bob");
        // the asset is bob's now: alice neither writes nor sees it
        assertThat(t.send(v, t.request("/v1/assets/" + id + "/content", "alice")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {7})).build()).statusCode()).isEqualTo(404);
        HttpResponse<byte[]> bobNow = t.send(v, t.request("/v1/assets/" + id + "/content", "bob")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {9})).build());
        assertThat(bobNow.statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(names = {"HTTP_1_1", "HTTP_2"})
    void deleteThenUnknown(HttpClient.Version v) throws Exception {
        String id = TestServer.json(upload(v, "alice", new byte[] {1})).get("id").asText();
        HttpResponse<byte[]> noTotp = t.send(v, t.request("/v1/assets/" + id, "alice").DELETE().build());
        assertThat(noTotp.statusCode()).isEqualTo(401);
        assertThat(TestServer.json(noTotp).get("code").asText()).isEqualTo("TOTP_REQUIRED");
        HttpResponse<byte[]> del = t.send(v, t.request("/v1/assets/" + id, "alice")
                .header("X-Stoq-TOTP", t.totp("alice")).DELETE().build());
        assertThat(del.statusCode()).isEqualTo(204);
        HttpResponse<byte[]> gone = t.send(v, t.request("/v1/assets/" + id, "alice").build());
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(gone.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode p = TestServer.json(gone);
        assertThat(p.get("type").asText()).isEqualTo("https://stoq.io/problems/not-found");
        assertThat(p.get("status").asInt()).isEqualTo(404);
        assertThat(t.node.accounts.auditRecords()).allSatisfy(a -> assertThat(a.remote()).isEqualTo("127.0.0.1"));
    }

    @ParameterizedTest
    @EnumSource(names = {"HTTP_1_1", "HTTP_2"})
    void proofAndListing(HttpClient.Version v) throws Exception {
        String id = TestServer.json(upload(v, "alice", new byte[] {5, 5})).get("id").asText();
        upload(v, "alice", new byte[] {6});
        JsonNode proof = TestServer.json(t.send(v, t.request("/v1/assets/" + id + "/proof", "audrey").build()));
        assertThat(proof.get("assetId").asText()).isEqualTo(id);
        assertThat(proof.get("blockHeight").asLong()).isPositive();
        JsonNode page = TestServer.json(t.send(v, t.request("/v1/assets?owner=alice&limit=1", "alice").build()));
        assertThat(page.get("items")).hasSize(1);
        assertThat(page.get("nextCursor").isNull()).isFalse();
    }
}
