package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.crypto.hash.Hash256;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.cli.StoqCli;
import io.stoq.node.keys.EpochKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.ManifestBody;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code stoq network rotate-keys} / {@code POST /v1/network/key-epochs} on three real nodes on one
 * Raft ledger: the rotation re-wraps every live version's asset key to the new epoch (KEY_REWRAP
 * txs every node applies), leaves every shard store's files and bytes as they were, keeps old and
 * new assets readable byte-exact through every node, and a node revoked before it cannot unwrap
 * the new wraps (it still reads through the old epoch's share it already held).
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeyRotationTest {
    @TempDir
    static Path dir;
    static MiniCluster cluster;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final AtomicLong SEED = new AtomicLong(41);
    static TotpSecret adminTotp;
    static String old1;
    static byte[] old1Content;
    static String old2;
    static byte[] old2Content;

    @BeforeAll
    static void start() throws Exception {
        cluster = MiniCluster.builder(dir).nodes(3).raft().start();
        CrossNodeReadTest.cluster = cluster; // its helpers (upload, download, epochs) work on this cluster
        CrossNodeReadTest.awaitEpochEverywhere(1);
        cluster.awaitConnected(Duration.ofSeconds(60));
        adminTotp = Totp.newSecret();
        cluster.adminKey(0);
        cluster.node(0).networkAccounts().setTotpSecret("admin", adminTotp);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int i = 0; i < cluster.size(); i++) {
                if (cluster.node(i).networkAccounts().totpSecret("admin").isEmpty()) {
                    return false;
                }
            }
            return true;
        });
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void theRouteRefusesANonAdminAndAnAdminWithoutTotp() throws Exception {
        var accounts = cluster.node(0).networkAccounts();
        accounts.create("olga", Role.OPERATOR, "Olga");
        var key = ApiKeys.issue("olga", "laptop", Instant.now(), null);
        accounts.addApiKey(key.stored());
        await().atMost(Duration.ofSeconds(30)).until(() -> rotate(1, key.plaintext(), null).statusCode() != 401);
        assertThat(rotate(1, key.plaintext(), null).statusCode()).as("an operator, no TOTP").isEqualTo(403);
        assertThat(rotate(1, cluster.adminKey(1), null).statusCode()).as("the admin without a TOTP code").isEqualTo(401);
        assertThat(cluster.node(0).epochKeys().current().orElseThrow().number()).as("nothing rotated").isEqualTo(1);
    }

    @Test
    @Order(2)
    void aRotationRewrapsEveryLiveVersionAndLeavesTheShardsAlone() throws Exception {
        old1Content = CrossNodeReadTest.content(2 * 1024 * 1024 + 5);
        old1 = CrossNodeReadTest.upload(0, old1Content);
        old2Content = CrossNodeReadTest.content(150_000);
        old2 = CrossNodeReadTest.upload(1, old2Content);
        awaitVisible(old1);
        awaitVisible(old2);
        long[][] before = new long[cluster.size()][];
        for (int i = 0; i < cluster.size(); i++) {
            before[i] = shardStore(i);
        }

        HttpResponse<String> r = rotate(2, cluster.adminKey(2), Totp.code(adminTotp, Instant.now()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode summary = new ObjectMapper().readTree(r.body());
        assertThat(summary.path("epoch").asLong()).isEqualTo(2);
        assertThat(summary.path("versionsRewrapped").asInt()).as(r.body()).isGreaterThanOrEqualTo(2);
        assertThat(summary.path("versionsSkipped").asInt()).as(r.body()).isZero();
        assertThat(summary.path("shardBytesUntouched").asLong()).as(r.body()).isGreaterThan(old1Content.length);
        awaitHeightEverywhere(cluster.node(2).ledgerHeight());

        for (int i = 0; i < cluster.size(); i++) {
            assertThat(shardStore(i)).as("node %d's shard store: file count and bytes", i).containsExactly(before[i]);
        }
        byte[] fresh = CrossNodeReadTest.content(300_000);
        String freshId = CrossNodeReadTest.upload(1, fresh);
        awaitVisible(freshId);
        for (int i = 0; i < cluster.size(); i++) {
            assertThat(CrossNodeReadTest.download(i, old1)).as("old asset 1 through node %d", i).isEqualTo(old1Content);
            assertThat(CrossNodeReadTest.download(i, old2)).as("old asset 2 through node %d", i).isEqualTo(old2Content);
            assertThat(CrossNodeReadTest.download(i, freshId)).as("new asset through node %d", i).isEqualTo(fresh);
        }
        // every node has the new wrap, and it opens to the same asset key as the manifest's own (epoch 1) wrap
        AssetManifest m = manifest(old1);
        for (int i = 0; i < cluster.size(); i++) {
            EpochKeys keys = cluster.node(i).epochKeys();
            List<EpochKeys.Rewrap> rewraps = keys.rewraps(Hash256.ofHex(old1), 1, manifestHash(old1));
            assertThat(rewraps).extracting(EpochKeys.Rewrap::epoch).as("node %d", i).containsExactly(2L);
            assertThat(keys.unwrap(m, rewraps.get(0))).as("node %d", i).isEqualTo(keys.unwrap(m));
        }
    }

    @Test
    @Order(3)
    void theCliRotatesAndANodeRevokedBeforeCannotUnwrapTheNewWraps() throws Exception {
        int gone = CrossNodeReadTest.raft(2).raft().isLeader() ? 1 : 2;
        String goneId = cluster.nodeId(gone);
        var w = cluster.node(0).ledgerWriter();
        w.commit(w.keys().operatorKey(false), List.of(), new io.stoq.ledger.tx.TxBody.NodeRevoke(goneId, "test: revoked"));

        // a second admin for the CLI (a TOTP code is good once: the first admin's was spent above)
        var accounts = cluster.node(0).networkAccounts();
        accounts.create("root2", Role.ADMIN, "Root 2");
        var key = ApiKeys.issue("root2", "cli", Instant.now(), null);
        accounts.addApiKey(key.stored());
        TotpSecret totp = Totp.newSecret();
        accounts.setTotpSecret("root2", totp);
        Path keyFile = dir.resolve("root2.key");
        Files.writeString(keyFile, key.plaintext());
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(0).networkAccounts().totpSecret("root2").isPresent()
                && cluster.node(0).networkAccounts().apiKey(key.stored().keyId()).isPresent());

        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("network", "rotate-keys", "--url", "http://127.0.0.1:" + cluster.node(0).port(), "--key-file",
                keyFile.toString(), "--totp", Totp.code(totp, Instant.now()));
        assertThat(code).as(out + " / " + err).isZero();
        // Versions uploaded through the revoked node (old asset 2 and the post-rotation one, through
        // index 1) have their shards only there until placement spreads them, and revocation closed its
        // STOQ connections: the rotating node cannot read them, so it skips them (they keep their wraps).
        int skipped = gone == 1 ? 2 : 0;
        assertThat(out.toString()).contains("rotating the data-key epoch", "key epoch 3 started", "versions re-wrapped: " + (3 - skipped),
                "versions skipped: " + skipped, "shard bytes untouched: ");
        assertThat(out.toString().lines().filter(l -> l.startsWith("key epoch 3 started")).findFirst().orElseThrow())
                .as("the revoked node is no member of epoch 3").doesNotContain(goneId);
        int member = 3 - gone;
        // the revoked node left the Raft group with its revocation: only the members apply what follows
        awaitHeight(cluster.node(0).ledgerHeight(), 0, member);

        EpochKeys members = cluster.node(member).epochKeys();
        // The revoked node's own keys over the full ledger (a member's): what it could do had it kept
        // every tx. (Its own process left the Raft group and may have closed its ledger by now.)
        var goneKeys = io.stoq.crypto.ca.NodeKeys.load(cluster.dataDir(gone).resolve("node"), null);
        EpochKeys revoked = new EpochKeys(cluster.node(member).ledgerWriter().reader(), goneId, goneKeys.kem());
        AssetManifest m = manifest(old1);
        List<EpochKeys.Rewrap> rewraps = members.rewraps(Hash256.ofHex(old1), 1, manifestHash(old1));
        assertThat(rewraps).extracting(EpochKeys.Rewrap::epoch).containsExactly(2L, 3L);
        assertThat(members.epoch(3).body().shares()).extracting(io.stoq.ledger.tx.TxBody.NodeShare::nodeId)
                .as("epoch 3 is shared with the members only").doesNotContain(goneId).contains(cluster.nodeId(member));
        assertThat(members.unwrap(m, rewraps.get(1))).isEqualTo(members.unwrap(m));
        // the revoked node cannot unwrap the epoch-3 wrap of an old version: it has no share of epoch 3
        assertThatThrownBy(() -> revoked.unwrap(m, rewraps.get(1)))
                .as("the revoked node cannot unwrap the epoch-3 wrap of an old version")
                .isInstanceOfSatisfying(NodeException.class, x -> assertThat(x.code()).isEqualTo(NodeErrorCode.NOT_PERMITTED));
        // Honest limit: re-wrapping revokes nothing a node could already read. The revoked node holds
        // its shares of epochs 1 and 2, so the manifest's own wrap and the epoch-2 re-wrap still open.
        assertThat(revoked.unwrap(m, rewraps.get(0))).isEqualTo(revoked.unwrap(m));
        for (int i : new int[] {0, member}) {
            assertThat(CrossNodeReadTest.download(i, old1)).as("old asset 1 through node %d", i).isEqualTo(old1Content);
            if (gone != 1) {
                assertThat(CrossNodeReadTest.download(i, old2)).as("old asset 2 through node %d", i).isEqualTo(old2Content);
            }
        }
    }

    @Test
    @Order(4)
    void readsTakeTheNewestReWrapAndAWrongOneFailsClosed() throws Exception {
        // A re-wrap of a wrong key (admin-signed, as only an admin can) for old asset 1's version 1:
        // reads take the newest re-wrap they can open, so the download now fails (the shards' AES-GCM
        // tags refuse the key) instead of returning other bytes or quietly using the older wraps.
        int member = cluster.isRunning(1) && cluster.node(1).epochKeys().holdsShare(cluster.node(0).epochKeys().epoch(3)) ? 1 : 2;
        EpochKeys.Epoch three = cluster.node(0).epochKeys().epoch(3);
        AssetManifest m = manifest(old1);
        byte[] wrong = new byte[32];
        new Random(5).nextBytes(wrong);
        var w = io.stoq.shard.manifest.AssetKeys.wrap(wrong, m.assetId(), m.version(), List.of(three.publicKey())).get(0);
        var writer = cluster.node(0).ledgerWriter();
        writer.commit(writer.keys().operatorKey(false), List.of(), new io.stoq.ledger.tx.TxBody.KeyRewrap(Hash256.ofHex(old1), 3,
                List.of(new io.stoq.ledger.tx.TxBody.VersionWrap(1, manifestHash(old1), w.wrapped().algorithm().id(),
                        w.wrapped().kemCiphertext(), w.wrapped().wrappedKey()))));
        awaitHeight(cluster.node(0).ledgerHeight(), 0, member);
        for (int i : new int[] {0, member}) {
            HttpResponse<byte[]> r;
            try {
                r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(i).port() + "/v1/assets/" + old1
                        + "/content")).header("Authorization", "Bearer " + cluster.adminKey(i)).timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
            } catch (java.io.IOException e) {
                continue; // the node broke the response off: no bytes, which is what this asks
            }
            assertThat(r.statusCode() == 200 && java.util.Arrays.equals(r.body(), old1Content))
                    .as("node %d read old asset 1 with the wrong re-wrap ignored", i).isFalse();
            assertThat(r.body()).as("node %d returned other bytes", i).isNotEqualTo(old1Content);
        }
        // an asset without a wrong re-wrap still reads through both members
        byte[] next = CrossNodeReadTest.content(80_000);
        String nextId = CrossNodeReadTest.upload(0, next);
        await().atMost(Duration.ofSeconds(30)).until(() -> CrossNodeReadTest.status(member, nextId) == 200);
        assertThat(CrossNodeReadTest.download(member, nextId)).isEqualTo(next);
    }

    static HttpResponse<String> rotate(int node, String apiKey, String totp) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(node).port() + "/v1/network/key-epochs"))
                .header("Authorization", "Bearer " + apiKey).timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.noBody());
        if (totp != null) {
            b.header("X-Stoq-TOTP", totp);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Number of shards and their total stored bytes in node {@code node}'s store. */
    static long[] shardStore(int node) throws Exception {
        var store = cluster.node(node).shardStore();
        long[] countAndBytes = new long[2];
        List<Hash256> all = new java.util.ArrayList<>();
        store.forEach(all::add);
        for (Hash256 h : all) {
            countAndBytes[0]++;
            countAndBytes[1] += store.size(h).orElseThrow();
        }
        return countAndBytes;
    }

    static Hash256 manifestHash(String id) throws Exception {
        HttpResponse<String> r = cluster.get(0, "/v1/assets/" + id + "/proof");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Hash256.ofHex(new ObjectMapper().readTree(r.body()).path("manifestHash").asText());
    }

    /** The manifest of an asset uploaded through node 1 (index 0), from node 1's store. */
    static AssetManifest manifest(String id) throws Exception {
        return ManifestBody.decode(cluster.node(0).shardStore().getForVerifier(manifestHash(id))).manifest();
    }

    static void awaitVisible(String id) {
        for (int i = 0; i < cluster.size(); i++) {
            int reader = i;
            await().atMost(Duration.ofSeconds(30)).until(() -> CrossNodeReadTest.status(reader, id) == 200);
        }
    }

    static void awaitHeightEverywhere(long height) {
        awaitHeight(height, java.util.stream.IntStream.range(0, cluster.size()).toArray());
    }

    static void awaitHeight(long height, int... nodes) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (int i : nodes) {
                if (cluster.node(i).ledgerHeight() < height) {
                    return false;
                }
            }
            return true;
        });
    }
}
