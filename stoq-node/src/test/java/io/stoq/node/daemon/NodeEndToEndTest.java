package io.stoq.node.daemon;

import io.stoq.fragmint.client.Http3Client;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Sha256;
import io.stoq.crypto.hash.Sha3;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A real in-process node on loopback, driven by java.net.http and Netty's HTTP/3 client. */
class NodeEndToEndTest {
    static TestNode t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestNode();
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static JsonNode upload(String account, byte[] data) throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets", account).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return TestNode.json(r);
    }

    static byte[] download(String account, String id, String query) throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + id + "/content" + query, account).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return r.body();
    }

    @Test
    void uploadThenDownloadGivesIdenticalBytes() throws Exception {
        for (int size : new int[] {0, 1, 3 * 1024 * 1024 + 7}) {
            byte[] data = random(size, size);
            JsonNode meta = upload("alice", data);
            assertThat(meta.get("version").asLong()).isEqualTo(1);
            assertThat(meta.get("size").asLong()).isEqualTo(size);
            assertThat(meta.get("sha256").asText()).isEqualTo(Sha256.hash(data).toHex());
            assertThat(meta.get("merkleRoot").asText()).hasSize(64);
            assertThat(meta.get("owner").asText()).isEqualTo("alice");
            String id = meta.get("id").asText();
            assertThat(download("alice", id, "")).isEqualTo(data);
            JsonNode again = TestNode.json(t.send(t.request("/v1/assets/" + id, "alice").build()));
            assertThat(again.get("sha256").asText()).isEqualTo(meta.get("sha256").asText());
        }
    }

    @Test
    void rangesAreExact() throws Exception {
        byte[] data = random(2 * 1024 * 1024 + 333, 7);
        String id = upload("alice", data).get("id").asText();
        long[][] ranges = {{0, 0}, {5, 99}, {1_000_000, 1_500_000}, {data.length - 10, data.length - 1}};
        for (long[] rg : ranges) {
            HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + id + "/content", "alice")
                    .header("Range", "bytes=" + rg[0] + "-" + rg[1]).build());
            assertThat(r.statusCode()).isEqualTo(206);
            assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, (int) rg[0], (int) rg[1] + 1));
        }
        HttpResponse<byte[]> suffix = t.send(t.request("/v1/assets/" + id + "/content", "alice")
                .header("Range", "bytes=-100").build());
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(data, data.length - 100, data.length));
        HttpResponse<byte[]> bad = t.send(t.request("/v1/assets/" + id + "/content", "alice")
                .header("Range", "bytes=" + data.length + "-").build());
        assertThat(bad.statusCode()).isEqualTo(416);
        assertThat(bad.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
    }

    @Test
    void updateKeepsOldVersionReadableAndHistoryAndProofFollow() throws Exception {
        byte[] v1 = random(100_000, 1);
        byte[] v2 = random(50_000, 2);
        String id = upload("alice", v1).get("id").asText();
        HttpResponse<byte[]> put = t.send(t.request("/v1/assets/" + id + "/content", "alice")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(v2)).build());
        assertThat(put.statusCode()).as(new String(put.body())).isEqualTo(200);
        assertThat(TestNode.json(put).get("version").asLong()).isEqualTo(2);
        assertThat(download("alice", id, "")).isEqualTo(v2);
        assertThat(download("alice", id, "?version=1")).isEqualTo(v1);
        assertThat(download("alice", id, "?version=2")).isEqualTo(v2);
        assertThat(t.send(t.request("/v1/assets/" + id + "/content?version=3", "alice").build()).statusCode()).isEqualTo(404);

        JsonNode history = TestNode.json(t.send(t.request("/v1/assets/" + id + "/history", "alice").build()));
        assertThat(history.get("items")).hasSize(2);
        assertThat(history.get("items").get(0).get("change").asText()).isEqualTo("CREATE");
        assertThat(history.get("items").get(1).get("change").asText()).isEqualTo("UPDATE");

        HttpResponse<byte[]> proof = t.send(t.request("/v1/assets/" + id + "/proof?version=1", "admin").build());
        assertThat(proof.statusCode()).as(new String(proof.body())).isEqualTo(200);
        JsonNode p = TestNode.json(proof);
        assertThat(p.get("version").asLong()).isEqualTo(1);
        assertThat(p.get("txId").asText()).hasSize(64);
        assertThat(p.get("bundle").asText()).isNotEmpty();
    }

    @Test
    void transferChangesWhoMayWrite() throws Exception {
        String id = upload("alice", random(1000, 3)).get("id").asText();
        // bob may not even see alice's asset: 404, as for an asset that does not exist
        HttpResponse<byte[]> bobBefore = t.send(t.request("/v1/assets/" + id + "/content", "bob")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})).build());
        assertThat(bobBefore.statusCode()).isEqualTo(404);
        HttpResponse<byte[]> noTotp = t.send(t.request("/v1/assets/" + id + "/transfers", "alice")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"newOwner\":\"bob\"}")).build());
        assertThat(noTotp.statusCode()).isEqualTo(401);
        HttpResponse<byte[]> tr = t.send(t.request("/v1/assets/" + id + "/transfers", "alice")
                .header("Content-Type", "application/json").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"newOwner\":\"bob\"}")).build());
        assertThat(tr.statusCode()).as(new String(tr.body())).isEqualTo(200);
        assertThat(TestNode.json(tr).get("owner").asText()).isEqualTo("bob");
        assertThat(TestNode.json(t.send(t.request("/v1/assets/" + id, "bob").build())).get("owner").asText()).isEqualTo("bob");
        assertThat(t.send(t.request("/v1/assets/" + id + "/content", "bob")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {2})).build()).statusCode()).isEqualTo(200);
        // the asset is bob's now: alice neither writes nor sees it
        assertThat(t.send(t.request("/v1/assets/" + id + "/content", "alice")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {3})).build()).statusCode()).isEqualTo(404);
    }

    @Test
    void unknownAndDeletedIdsAre404() throws Exception {
        String unknown = "ab".repeat(32);
        for (String path : new String[] {"/v1/assets/" + unknown, "/v1/assets/" + unknown + "/content",
            "/v1/assets/nothex", "/v1/assets/" + unknown + "/history"}) {
            HttpResponse<byte[]> r = t.send(t.request(path, "rita").build());
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(TestNode.json(r).get("type").asText()).endsWith("not-found");
        }
        String id = upload("alice", random(10, 4)).get("id").asText();
        HttpResponse<byte[]> del = t.send(t.request("/v1/assets/" + id, "alice").header("X-Stoq-TOTP", t.totp("alice"))
                .DELETE().build());
        assertThat(del.statusCode()).as(new String(del.body())).isEqualTo(204);
        assertThat(t.send(t.request("/v1/assets/" + id + "/content", "alice").build()).statusCode()).isEqualTo(404);
    }

    @Test
    void truncatedUploadLeavesNothing() throws Exception {
        long assetsBefore = TestNode.json(t.send(t.request("/v1/assets?limit=500", "admin").build())).get("items").size();
        long filesBefore = t.storedFiles();
        try (Socket s = new Socket("127.0.0.1", t.node.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/assets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + t.keys.get("alice")
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 5000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(random(3_000_000, 9));
            out.flush();
        }
        Thread.sleep(500); // let the server notice the closed connection and clean up
        long assetsAfter = TestNode.json(t.send(t.request("/v1/assets?limit=500", "admin").build())).get("items").size();
        assertThat(assetsAfter).isEqualTo(assetsBefore);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (t.storedFiles() != filesBefore && System.nanoTime() < deadline) {
            Thread.sleep(100); // the upload's cleanup runs after the connection closed
        }
        assertThat(t.storedFiles()).isEqualTo(filesBefore);
    }

    @Test
    void credentialsRolesAndBadInputAreRefusedWithProblems() throws Exception {
        String id = upload("alice", random(100, 12)).get("id").asText();
        assertThat(t.send(t.request("/v1/assets/" + id, null).build()).statusCode()).isEqualTo(401);
        assertThat(t.send(HttpRequest.newBuilder(t.uri("/v1/assets/" + id)).header("Authorization", "Bearer stq_0000_nope")
                .build()).statusCode()).isEqualTo(401);
        assertThat(t.send(t.request("/v1/assets", "rita").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}))
                .build()).statusCode()).isEqualTo(403);
        HttpResponse<byte[]> malformed = t.send(t.request("/v1/assets/" + id + "/transfers", "alice")
                .header("Content-Type", "application/json").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"newOwner\":")).build());
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(TestNode.json(malformed).get("status").asInt()).isEqualTo(400);
        HttpResponse<byte[]> wrongType = t.send(t.request("/v1/assets/" + id + "/transfers", "alice")
                .header("Content-Type", "text/plain").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"newOwner\":\"bob\"}")).build());
        assertThat(wrongType.statusCode()).isEqualTo(415);
        HttpResponse<byte[]> unknownOwner = t.send(t.request("/v1/assets/" + id + "/transfers", "alice")
                .header("Content-Type", "application/json").header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"newOwner\":\"nobody\"}")).build());
        assertThat(unknownOwner.statusCode()).isEqualTo(422);
        assertThat(TestNode.json(t.send(t.request("/v1/assets/" + id, "alice").build())).get("owner").asText())
                .isEqualTo("alice");
    }

    @Test
    void ledgerNodeAndTokenRoutesAnswerFromTheRealLedger() throws Exception {
        upload("alice", random(10, 13));
        HttpResponse<byte[]> blocks = t.send(t.request("/v1/ledger/blocks?limit=2", "admin").build());
        assertThat(blocks.statusCode()).as(new String(blocks.body())).isEqualTo(200);
        JsonNode b = TestNode.json(blocks);
        assertThat(b.get("items")).hasSize(2);
        long tip = b.get("items").get(0).get("height").asLong();
        assertThat(tip).isGreaterThanOrEqualTo(2);
        assertThat(b.get("items").get(1).get("height").asLong()).isEqualTo(tip - 1);
        assertThat(b.get("items").get(1).get("hash").asText()).isEqualTo(b.get("items").get(0).get("previousHash").asText());
        JsonNode genesis = TestNode.json(t.send(t.request("/v1/ledger/blocks/0", "admin").build()));
        assertThat(genesis.get("previousHash").asText()).isEmpty();
        assertThat(t.send(t.request("/v1/ledger/blocks/" + (tip + 1000), "admin").build()).statusCode()).isEqualTo(404);
        HttpResponse<byte[]> nodes = t.send(t.request("/v1/nodes", "admin").build());
        assertThat(nodes.statusCode()).as(new String(nodes.body())).isEqualTo(200);
        assertThat(new String(nodes.body(), StandardCharsets.UTF_8)).contains(t.node.identity().nodeId()).contains("UP");
        HttpResponse<byte[]> balance = t.send(t.request("/v1/accounts/alice/balance", "admin").build());
        assertThat(balance.statusCode()).as(new String(balance.body())).isEqualTo(200);
        assertThat(TestNode.json(balance).get("balance").asLong()).isZero();
        HttpResponse<byte[]> broke = t.send(t.request("/v1/tokens/transfers", "alice").header("Content-Type", "application/json")
                .header("X-Stoq-TOTP", t.totp("alice"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"bob\",\"amount\":5}")).build());
        assertThat(broke.statusCode()).as(new String(broke.body())).isEqualTo(422);
    }

    @Test
    void eventsStreamCommittedChangesAndProofsCheckOfflineAgainstTheRoot() throws Exception {
        java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        StringBuilder partial = new StringBuilder();
        java.net.http.WebSocket ws = t.client.newWebSocketBuilder().header("Authorization", "Bearer " + t.keys.get("alice"))
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + t.node.port() + "/v1/events?after=0"),
                                new java.net.http.WebSocket.Listener() {
                                    @Override
                                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w,
                                            CharSequence data, boolean last) {
                                        partial.append(data);
                                        if (last) {
                                            seen.add(partial.toString());
                                            partial.setLength(0);
                                        }
                                        w.request(1);
                                        return null;
                                    }
                                }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        String id = upload("alice", random(1000, 14)).get("id").asText();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (seen.stream().noneMatch(e -> e.contains(id) && e.contains("asset.created")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(seen).anyMatch(e -> e.contains(id) && e.contains("asset.created"));
        ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "").get(10, java.util.concurrent.TimeUnit.SECONDS);

        JsonNode proof = TestNode.json(t.send(t.request("/v1/assets/" + id + "/proof", "admin").build()));
        io.stoq.ledger.proof.ProofBundle bundle = io.stoq.ledger.proof.ProofBundle.decode(
                java.util.Base64.getDecoder().decode(proof.get("bundle").asText()));
        java.security.cert.X509Certificate root = io.stoq.crypto.keys.PemFiles.readCertificate(t.dir.resolve("ca/root.crt.pem"));
        io.stoq.ledger.proof.ProofVerifier.verify(bundle, root); // throws unless tx, path, header and chain check out
    }

    @Test
    void http3UploadAndDownloadMatchHttp11() throws Exception {
        byte[] data = random(1024 * 1024 + 11, 11);
        try (Http3Client h3 = new Http3Client(t.node.http3Port(), t.node.server().certificate())) {
            Map<String, String> auth = Map.of("authorization", "Bearer " + t.keys.get("alice"),
                    "content-type", "application/octet-stream");
            ByteArrayOutputStream created = new ByteArrayOutputStream();
            Http3Client.Result up = h3.exchange("POST", "/v1/assets", auth, new ByteArrayInputStream(data), data.length,
                    created);
            assertThat(up.status()).as(created.toString()).isEqualTo(201);
            String id = TestNode.JSON.readTree(created.toByteArray()).get("id").asText();
            ByteArrayOutputStream viaH3 = new ByteArrayOutputStream();
            Http3Client.Result down = h3.exchange("GET", "/v1/assets/" + id + "/content",
                    Map.of("authorization", "Bearer " + t.keys.get("alice")), null, 0, viaH3);
            assertThat(down.status()).isEqualTo(200);
            assertThat(viaH3.toByteArray()).isEqualTo(data);
            assertThat(download("alice", id, "")).isEqualTo(data);
        }
    }

    @Test
    void restartPicksUpWhereItLeftOffAndSweepsOrphanShards() throws Exception {
        byte[] data = random(200_000, 5);
        String id = upload("alice", data).get("id").asText();
        // what a crash mid-upload leaves: a stored shard no ledger version references
        byte[] orphan = random(5000, 55);
        io.stoq.node.store.LocalShardStore store = io.stoq.node.store.LocalShardStore.open(t.dir.resolve("shards"), true,
                io.stoq.fragmint.http.DataSize.ofBytes(0), io.stoq.fragmint.http.DataSize.ofMiB(64));
        io.stoq.crypto.hash.Hash256 orphanHash = Sha3.hash(orphan);
        store.put(orphanHash, orphan);
        assertThat(store.contains(orphanHash)).isTrue();
        t.restart();
        assertThat(store.contains(orphanHash)).isFalse();
        assertThat(download("alice", id, "")).isEqualTo(data);
        assertThat(upload("bob", random(10, 6)).get("owner").asText()).isEqualTo("bob");
    }
}
