package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha256;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An upload that declares its SHA-256 (RFC 9530 {@code Content-Digest} / {@code Repr-Digest})
 * becomes a version only if the body has it: a mismatch on create or update commits nothing and
 * leaves nothing in the shard store; a malformed field is refused before a byte is stored.
 * Bodies span several shards (4 MiB) and a small one (1 KiB, group-committed), so both store
 * paths are discarded.
 */
@Timeout(300)
class UploadDigestTest {
    TestNode t;

    @BeforeEach
    void start() throws Exception {
        t = new TestNode(Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        t.close();
    }

    static byte[] content(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String field(byte[] body) {
        return "sha-256=:" + Base64.getEncoder().encodeToString(Sha256.hash(body).toBytes()) + ":";
    }

    HttpResponse<byte[]> post(byte[] body, String header, String value) throws Exception {
        HttpRequest.Builder b = t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream");
        if (header != null) {
            b.header(header, value);
        }
        return t.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    Set<Hash256> stored() throws Exception {
        return t.storedHashes();
    }

    @Test
    void aMatchingDigestIsAccepted() throws Exception {
        for (int size : new int[] {1024, 4 << 20}) {
            byte[] body = content(size, size);
            // other algorithms in the dictionary are ignored; either field name works
            HttpResponse<byte[]> r = post(body, "Content-Digest", "sha-512=:AAAA:, " + field(body));
            assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
            assertThat(TestNode.json(r).get("sha256").asText()).isEqualTo(Sha256.hash(body).toHex());
            HttpResponse<byte[]> r2 = post(body, "Repr-Digest", field(body));
            assertThat(r2.statusCode()).isEqualTo(201);
        }
    }

    @Test
    void aMismatchCommitsNothingAndLeavesNothingStored() throws Exception {
        for (int size : new int[] {1024, 4 << 20}) {
            Set<Hash256> before = stored();
            long height = t.node.ledger().ledger().height();
            byte[] body = content(size, size + 1);
            byte[] other = body.clone();
            other[size / 2] ^= 1; // what the client meant to send
            HttpResponse<byte[]> r = post(body, "Content-Digest", field(other));
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode problem = TestNode.json(r);
            assertThat(problem.get("code").asText()).isEqualTo("DIGEST_MISMATCH");
            assertThat(problem.get("detail").asText()).contains(Sha256.hash(body).toHex()).contains(Sha256.hash(other).toHex())
                    .contains("nothing was stored");
            assertThat(t.node.ledger().ledger().height()).as("nothing reached the ledger").isEqualTo(height);
            assertThat(stored()).as("the upload's shards and manifest were removed").isEqualTo(before);
        }
    }

    @Test
    void anUpdateWithAMismatchKeepsTheVersionItHad() throws Exception {
        byte[] v1 = content(4 << 20, 7);
        HttpResponse<byte[]> created = post(v1, "Content-Digest", field(v1));
        assertThat(created.statusCode()).isEqualTo(201);
        String id = TestNode.json(created).get("id").asText();
        Set<Hash256> before = stored();
        byte[] v2 = content(4 << 20, 8);
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + id + "/content", "alice").header("Content-Type", "application/octet-stream")
                .header("Content-Digest", field(v1)).PUT(HttpRequest.BodyPublishers.ofByteArray(v2)).build());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(TestNode.json(r).get("code").asText()).isEqualTo("DIGEST_MISMATCH");
        JsonNode meta = TestNode.json(t.send(t.request("/v1/assets/" + id, "alice").build()));
        assertThat(meta.get("version").asLong()).isEqualTo(1);
        assertThat(stored()).isEqualTo(before);
        HttpResponse<byte[]> ok = t.send(t.request("/v1/assets/" + id + "/content", "alice").header("Content-Type", "application/octet-stream")
                .header("Content-Digest", field(v2)).PUT(HttpRequest.BodyPublishers.ofByteArray(v2)).build());
        assertThat(ok.statusCode()).as(new String(ok.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(TestNode.json(ok).get("version").asLong()).isEqualTo(2);
    }

    @Test
    void malformedDigestFieldsAreRefusedBeforeAnythingIsStored() throws Exception {
        byte[] body = content(1024, 9);
        Set<Hash256> before = stored();
        String hex = Sha256.hash(body).toHex();
        for (String bad : new String[] {
            "sha-256=" + hex, // hex, not :base64:
            "sha-256=:" + Base64.getEncoder().encodeToString(new byte[31]) + ":", // 31 bytes
            "sha-256=:not base64!:",
            "sha-256",
            field(body) + ", sha-256=:" + Base64.getEncoder().encodeToString(new byte[32]) + ":", // two that disagree
        }) {
            HttpResponse<byte[]> r = post(body, "Content-Digest", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            JsonNode problem = TestNode.json(r);
            assertThat(problem.get("code").asText()).as(bad).isEqualTo("BAD_REQUEST");
            assertThat(problem.toString()).doesNotContain("Exception");
        }
        assertThat(stored()).isEqualTo(before);
    }
}
