package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.assets.AssetMeta;
import io.stoq.node.store.SealStore;
import io.stoq.shard.manifest.BatchSeal;
import io.stoq.shard.manifest.ManifestBody;
import io.stoq.shard.manifest.ManifestVerifier;
import io.stoq.shard.manifest.SignedManifest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seal after commit on a real node. The sealer's interval is an hour here, so nothing is sealed
 * unless a test says {@code sealNow}: an upload is acknowledged with its tx naming the hash of
 * the manifest BODY, the body is in the store unsealed and every read checks it against that
 * hash; once sealed, the seal verifies with nothing but the node's public key and reads go on;
 * a changed body is refused before the seal and after; a stop before the seal leaves the body
 * unsealed, and the next start hands it to the sealer.
 */
@Timeout(300)
class SealAfterCommitOnNodeTest {
    TestNode t;

    @BeforeEach
    void start() throws Exception {
        t = new TestNode(Map.of("manifest.seal-interval", "1h"));
    }

    @AfterEach
    void stop() throws Exception {
        t.close();
    }

    record Uploaded(String id, byte[] content, Hash256 manifest) {}

    Uploaded upload(int seed) throws Exception {
        byte[] content = new byte[1024 + seed];
        new Random(seed).nextBytes(content);
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        String id = TestNode.json(r).get("id").asText();
        JsonNode proof = TestNode.json(t.send(t.request("/v1/assets/" + id + "/proof", "alice").build()));
        // the tx's metadata says which hash it names: the body's
        TxBody.AssetCreate tx = (TxBody.AssetCreate) t.node.ledger().ledger().store()
                .tx(Hash256.ofHex(proof.get("txId").asText())).tx().body();
        AssetMeta meta = AssetMeta.decode(tx.metadata());
        assertThat(meta.namesBody()).isTrue();
        assertThat(meta.manifest()).isEqualTo(proof.get("manifestHash").asText());
        return new Uploaded(id, content, Hash256.ofHex(meta.manifest()));
    }

    void readsBack(Uploaded u) throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + u.id() + "/content", "alice").build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.body()).isEqualTo(u.content());
    }

    ManifestVerifier anyone() throws Exception {
        PublicKey pub = PemFiles.readPublicKey(t.dir.resolve("node/slhdsa.pub.pem"));
        return new ManifestVerifier(List.of(new VerifyingKey(SignatureAlgorithm.SLH_DSA_SHA2_128F, pub)), 0);
    }

    void sealAll() {
        t.node.manifestSealer().sealNow();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> t.node.manifestBatches().waiting() == 0);
    }

    @Test
    void theTxNamesTheBodyReadsVerifyBeforeAndAfterTheSeal() throws Exception {
        Uploaded a = upload(1);
        Uploaded b = upload(2);
        for (Uploaded u : List.of(a, b)) {
            // acknowledged, committed, and not sealed: the store holds the body under the tx's hash
            assertThat(t.node.manifestSealer().sealOf(u.manifest())).isEmpty();
            ManifestBody body = ManifestBody.verify(t.node.shardStore().get(u.manifest()), u.manifest());
            assertThat(body.manifest().plainSize()).isEqualTo(u.content().length);
            readsBack(u);
        }
        assertThat(t.node.manifestBatches().waiting()).isEqualTo(2);

        sealAll();
        assertThat(t.node.manifestBatches().signatures()).isEqualTo(1);
        ManifestVerifier anyone = anyone();
        for (Uploaded u : List.of(a, b)) {
            BatchSeal seal = t.node.manifestSealer().sealOf(u.manifest()).orElseThrow();
            SignedManifest sealed = SignedManifest.of(ManifestBody.decode(t.node.shardStore().get(u.manifest())), seal);
            anyone.verify(sealed);
            assertThat(sealed.bodyDigest()).isEqualTo(u.manifest()); // the seal does not change what the tx names
            assertThat(seal.batchSize()).isEqualTo(2);
            readsBack(u);
        }
    }

    @Test
    void aChangedBodyIsRefusedBeforeTheSeal() throws Exception {
        Uploaded u = upload(3);
        tamperBody(u);
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + u.id() + "/content", "alice").build());
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain("Exception");
    }

    @Test
    void aChangedBodyOrSealIsRefusedAfterTheSeal() throws Exception {
        Uploaded u = upload(4);
        sealAll();
        Uploaded v = upload(5);
        sealAll(); // another batch: altering u's batch signature must not touch v's
        readsBack(u);
        // a seal whose signature was altered (the batch's one stored signature)
        SealStore seals = t.node.manifestSealer().store();
        BatchSeal genuine = seals.seal(u.manifest()).orElseThrow();
        byte[] sig = genuine.signature();
        sig[100] ^= 0x01;
        seals.put(List.of(new SealStore.Sealed(u.manifest(), new BatchSeal(genuine.algorithm(), genuine.signerKeyId(),
                genuine.proof(), genuine.batchRoot(), sig))));
        HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + u.id() + "/content", "alice").build());
        assertThat(r.statusCode()).isEqualTo(500);
        // a changed body under a genuine seal
        readsBack(v);
        tamperBody(v);
        assertThat(t.send(t.request("/v1/assets/" + v.id() + "/content", "alice").build()).statusCode()).isEqualTo(500);
    }

    /**
     * Replaces the stored body with a well-formed, consistent one that differs only in its zstd
     * level (which a read does not otherwise use): only the check against the hash the ledger
     * names (or the seal) can catch it.
     */
    void tamperBody(Uploaded u) throws Exception {
        byte[] bytes = t.node.shardStore().get(u.manifest());
        // magic 4, schema 2, asset id 16, version 8, format 1, size 8, chunking 4+4+4+1+1+4, suite 1: then the zstd level
        bytes[58] ^= 0x02;
        assertThat(ManifestBody.decode(bytes).manifest().plainSize()).isEqualTo(u.content().length);
        t.node.shardStore().delete(u.manifest());
        t.node.shardStore().putTrusted(u.manifest(), bytes);
    }

    /**
     * Data written by the old path: version 2 made exactly as nodes did before seal-after-commit
     * (AssetEncoder.encode sealing the manifest with the node's SLH-DSA key before the tx, the
     * sealed manifest stored under the hash of all of it, metadata without manifestHashOf naming
     * that hash). It reads as before, beside a version 1 written the new way, and survives a
     * restart (which does not take it for an unsealed body).
     */
    @Test
    void aVersionSealedBeforeItsTxTheOldWayStaysReadable() throws Exception {
        Uploaded u = upload(30);
        byte[] content = new byte[5000];
        new Random(31).nextBytes(content);
        io.stoq.crypto.ca.NodeKeys keys = io.stoq.crypto.ca.NodeKeys.load(t.dir.resolve("node"), null);
        Hash256 lid = Hash256.ofHex(u.id());
        io.stoq.shard.AssetEncoder.Encoded old;
        try (io.stoq.shard.codec.ShardEncoder encoder = new io.stoq.shard.codec.ShardEncoder(t.node.assets().codecPool())) {
            old = new io.stoq.shard.AssetEncoder(encoder, new io.stoq.shard.manifest.BatchSigner(keys.slhDsa()),
                    List.of(keys.kem().getPublic())).encode(new java.io.ByteArrayInputStream(content),
                            new io.stoq.shard.AssetEncoder.Request(io.stoq.shard.AssetId.of(java.util.Arrays.copyOf(lid.toBytes(), 16)), 2,
                                    java.util.OptionalLong.of(content.length), io.stoq.shard.analyze.RedundancyPolicy.DEFAULT, null),
                            io.stoq.shard.AssetEncoder.Lineage.fresh(), shard -> {
                                try {
                                    t.node.shardStore().putTrusted(shard.hash(), shard.stored());
                                } catch (io.stoq.node.NodeException e) {
                                    throw new java.io.IOException(e);
                                }
                            }, true);
        }
        byte[] sealedBytes = old.manifest().encoded();
        Hash256 sealedHash = io.stoq.crypto.hash.Sha3.hash(sealedBytes);
        t.node.shardStore().putTrusted(sealedHash, sealedBytes);
        AssetMeta oldMeta = AssetMeta.sealedBefore(sealedHash.toHex(), content.length, io.stoq.crypto.hash.Sha3.hash(content).toHex(),
                "application/octet-stream", null);
        assertThat(new String(oldMeta.encode(), StandardCharsets.UTF_8)).doesNotContain("manifestHashOf");
        t.node.ledger().commit(t.node.ledger().keys().keyOf("alice"), List.of(),
                new TxBody.AssetUpdate(lid, 2, old.manifest().manifest().merkleRoot(), oldMeta.encode()));

        Uploaded v2 = new Uploaded(u.id(), content, sealedHash);
        for (int round = 0; round < 2; round++) {
            HttpResponse<byte[]> r = t.send(t.request("/v1/assets/" + u.id() + "/content?version=2", "alice").build());
            assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(r.body()).isEqualTo(v2.content());
            // the old version keeps its SHA3-256 content digest; the new one has SHA-256's
            assertThat(r.headers().firstValue("X-Stoq-Sha3")).contains(io.stoq.crypto.hash.Sha3.hash(content).toHex());
            assertThat(r.headers().firstValue("X-Stoq-Sha256")).isEmpty();
            assertThat(r.headers().firstValue("Repr-Digest")).isEmpty();
            HttpResponse<byte[]> r1 = t.send(t.request("/v1/assets/" + u.id() + "/content?version=1", "alice").build());
            assertThat(r1.body()).isEqualTo(u.content());
            assertThat(r1.headers().firstValue("X-Stoq-Sha256")).contains(io.stoq.crypto.hash.Sha256.hash(u.content()).toHex());
            assertThat(r1.headers().firstValue("X-Stoq-Sha3")).isEmpty();
            JsonNode meta2 = TestNode.json(t.send(t.request("/v1/assets/" + u.id() + "?version=2", "alice").build()));
            assertThat(meta2.get("sha3").asText()).isEqualTo(io.stoq.crypto.hash.Sha3.hash(content).toHex());
            assertThat(meta2.get("sha256").isNull()).as(meta2.toString()).isTrue();
            JsonNode proof = TestNode.json(t.send(t.request("/v1/assets/" + u.id() + "/proof?version=2", "alice").build()));
            assertThat(proof.get("manifestHash").asText()).isEqualTo(sealedHash.toHex());
            t.restart();
            assertThat(t.node.manifestBatches().waiting()).as("only version 1's body waits for a seal").isEqualTo(1);
        }
        // an update the new way continues from the old version's manifest (its lineage read through the old path)
        HttpResponse<byte[]> up = t.send(t.request("/v1/assets/" + u.id() + "/content", "alice")
                .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build());
        assertThat(up.statusCode()).as(new String(up.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode meta3 = TestNode.json(up);
        assertThat(meta3.get("sha256").asText()).isEqualTo(io.stoq.crypto.hash.Sha256.hash(content).toHex());
        assertThat(meta3.get("sha3").isNull()).as(meta3.toString()).isTrue();
    }

    @Test
    void aStopBeforeTheSealLeavesBodiesThatTheNextStartSeals() throws Exception {
        List<Uploaded> uploads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            uploads.add(upload(10 + i));
        }
        t.restart(); // the sealer does not sign on the way down: as after a kill -9, nothing is sealed
        for (Uploaded u : uploads) {
            assertThat(t.node.manifestSealer().sealOf(u.manifest())).isEmpty();
            readsBack(u);
        }
        // the start handed every committed, unsealed body to the sealer
        assertThat(t.node.manifestBatches().waiting()).isEqualTo(3);
        sealAll();
        ManifestVerifier anyone = anyone();
        for (Uploaded u : uploads) {
            anyone.verify(SignedManifest.of(ManifestBody.decode(t.node.shardStore().get(u.manifest())),
                    t.node.manifestSealer().sealOf(u.manifest()).orElseThrow()));
            readsBack(u);
        }
        t.restart();
        assertThat(t.node.manifestBatches().waiting()).isZero(); // sealed ones are not sealed again
        for (Uploaded u : uploads) {
            readsBack(u);
        }
    }
}
