package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.assets.KeyFailures;
import io.stoq.node.keys.EpochKeys;
import io.stoq.node.ledger.LedgerWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A read whose asset key this node cannot unwrap is a typed problem, not a generic 500: 503
 * {@code KEY_UNAVAILABLE} naming asset, version and epoch, a count by reason in /metrics, and no
 * stack trace or class name in the answer. Two ways on one real node: a tampered re-wrap (the
 * newest wrap of the version does not open) and an epoch this node holds no share of.
 */
@Timeout(120)
class KeyUnavailableTest {
    static TestNode t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestNode();
    }

    @AfterAll
    static void stop() throws Exception {
        if (t != null) {
            t.close();
        }
    }

    static String upload(byte[] data) throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return TestNode.json(r).get("id").asText();
    }

    static HttpResponse<byte[]> read(String id) throws Exception {
        return t.send(t.request("/v1/assets/" + id + "/content", "alice").GET().build());
    }

    static String manifestOf(String id) throws Exception {
        return TestNode.json(t.send(t.request("/v1/assets/" + id + "/proof", "alice").GET().build())).path("manifestHash").asText();
    }

    static void assertKeyUnavailable(HttpResponse<byte[]> r, String id, String epoch) throws Exception {
        String body = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(body).isEqualTo(503);
        JsonNode problem = TestNode.JSON.readTree(r.body());
        assertThat(problem.path("code").asText()).isEqualTo("KEY_UNAVAILABLE");
        assertThat(problem.path("type").asText()).endsWith("/key-unavailable");
        assertThat(problem.path("detail").asText()).contains("asset " + id, "version 1", epoch);
        assertThat(body).doesNotContain("Exception", "io.stoq", "\tat ");
    }

    @Test
    void aTamperedReWrapAndAnEpochWithoutAShareAreKeyUnavailableCountedByReason() throws Exception {
        KeyFailures failures = t.node.assets().keyFailures();
        LedgerWriter w = t.node.ledgerWriter();
        EpochKeys epochs = t.node.epochKeys();
        long now = epochs.current().orElseThrow().number();
        byte[] content = new byte[70_000];
        new Random(3).nextBytes(content);
        String id = upload(content);
        assertThat(read(id).body()).isEqualTo(content);

        // A re-wrap whose AES key wrap was tampered with: reads take the newest re-wrap, which does not open.
        String manifest = manifestOf(id);
        assertThat(manifest).hasSize(64);
        byte[] garbage = new byte[40];
        new Random(4).nextBytes(garbage);
        var real = io.stoq.shard.manifest.AssetKeys.wrap(new byte[32], io.stoq.shard.AssetId.random(), 1,
                List.of(epochs.current().orElseThrow().publicKey())).get(0).wrapped();
        w.commit(w.keys().operatorKey(false), List.of(), new TxBody.KeyRewrap(Hash256.ofHex(id), now,
                List.of(new TxBody.VersionWrap(1, Hash256.ofHex(manifest), real.algorithm().id(), real.kemCiphertext(), garbage))));
        long before = failures.count(KeyFailures.Reason.BAD_WRAP);
        assertKeyUnavailable(read(id), id, "key epoch " + now);
        assertThat(failures.count(KeyFailures.Reason.BAD_WRAP)).isEqualTo(before + 1);

        // An epoch made without a share for this node (as for a node left out of it): what is uploaded now is wrapped to it.
        w.commit(w.keys().operatorKey(false), List.of(), EpochKeys.newEpoch(now + 1, Map.of()));
        String unreadable = upload(content);
        assertKeyUnavailable(read(unreadable), unreadable, "key epoch " + (now + 1));
        assertThat(failures.count(KeyFailures.Reason.NO_SHARE)).isEqualTo(1);
        String metrics = new String(t.send(t.request("/metrics", "admin").GET().build()).body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(metrics).contains("stoq_asset_key_unwrap_failures_total{reason=\"no_share\"} 1",
                "stoq_asset_key_unwrap_failures_total{reason=\"bad_wrap\"} " + (before + 1));
    }
}
