package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.manifest.BatchSeal;
import io.stoq.shard.manifest.ManifestBody;
import io.stoq.shard.manifest.ManifestVerifier;
import io.stoq.shard.manifest.SignedManifest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * On a real node, concurrent uploads share SLH-DSA signatures: 32 uploads at once, each on its own
 * connection, leave 32 manifest bodies in the shard store that the sealer seals (after their
 * commits) under far fewer signatures, and each sealed manifest verifies with nothing but the
 * node's SLH-DSA public key (whose hash the node certificate carries).
 */
@Timeout(300)
class ManifestBatchingOnNodeTest {
    static TestNode t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestNode();
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @Test
    void thirtyTwoConcurrentUploadsShareFewSignaturesAndEveryManifestVerifies() throws Exception {
        int n = 32;
        Set<Hash256> before = manifestHashes();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        Map<String, byte[]> uploaded = new HashMap<>();
        try {
            CyclicBarrier start = new CyclicBarrier(n);
            List<Future<String[]>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] body = new byte[1024];
                new Random(i).nextBytes(body);
                String account = i % 2 == 0 ? "alice" : "bob";
                results.add(pool.submit(() -> {
                    HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    HttpRequest r = t.request("/v1/assets", account).header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                    start.await();
                    HttpResponse<byte[]> resp = own.send(r, HttpResponse.BodyHandlers.ofByteArray());
                    assertThat(resp.statusCode()).as(new String(resp.body(), StandardCharsets.UTF_8)).isEqualTo(201);
                    return new String[] {TestNode.json(resp).get("id").asText(), account};
                }));
                uploaded.put("#" + i, body);
            }
            for (int i = 0; i < n; i++) {
                String[] r = results.get(i).get();
                uploaded.put(r[0] + "/" + r[1], uploaded.remove("#" + i));
            }
        } finally {
            pool.shutdownNow();
        }

        // The new manifests, as anyone with a copy of the node's store and seal store would see
        // them, once the sealer has sealed what was committed (at the latest after its interval).
        t.node.manifestSealer().sealNow();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> t.node.manifestBatches().waiting() == 0);
        List<SignedManifest> manifests = new ArrayList<>();
        for (Hash256 h : manifestHashes()) {
            if (!before.contains(h)) {
                ManifestBody body = ManifestBody.verify(t.node.shardStore().get(h), h);
                manifests.add(SignedManifest.of(body, t.node.manifestSealer().sealOf(h).orElseThrow()));
            }
        }
        assertThat(manifests).hasSize(n);

        PublicKey pub = PemFiles.readPublicKey(t.dir.resolve("node/slhdsa.pub.pem"));
        assertThat(t.node.identity().slhDsaKeyHash()).contains(NodeClaims.keyHash(pub));
        ManifestVerifier anyone = new ManifestVerifier(List.of(new VerifyingKey(SignatureAlgorithm.SLH_DSA_SHA2_128F, pub)), 0);
        Set<Hash256> signatures = new HashSet<>();
        for (SignedManifest m : manifests) {
            anyone.verify(m);
            assertThat(m.schema()).isEqualTo(2);
            BatchSeal seal = (BatchSeal) m.signature();
            signatures.add(Sha3.hash(seal.signature()));
        }
        System.out.printf("32 concurrent uploads: %d SLH-DSA signatures%n", signatures.size());
        assertThat(signatures.size()).as("signatures for %d concurrent uploads", n).isLessThanOrEqualTo(n / 2);

        // Every read verifies its manifest (leaf, proof, batch signature) before serving a byte.
        for (Map.Entry<String, byte[]> e : uploaded.entrySet()) {
            String[] idAndOwner = e.getKey().split("/");
            HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + idAndOwner[0] + "/content", idAndOwner[1]).build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(e.getValue());
        }
    }

    /** Shard store entries (files or small records) that hold a manifest. */
    static Set<Hash256> manifestHashes() throws Exception {
        Set<Hash256> out = new HashSet<>();
        for (Hash256 h : t.storedHashes()) {
            byte[] bytes = t.node.shardStore().get(h);
            if (bytes.length > 4 && Arrays.equals(Arrays.copyOf(bytes, 4), "STQM".getBytes(StandardCharsets.US_ASCII))) {
                out.add(h);
            }
        }
        return out;
    }
}
