package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.hash.Hash256;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.node.accounts.NetworkAccountStore;
import io.stoq.node.accounts.NodeAccounts;
import io.stoq.node.ledger.CustodialKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory from before network accounts (an account, its API key, TOTP secret and
 * custodial key in the node's local database and key directory) started on a Raft ledger: the
 * account is moved onto the ledger once, keeps its ledger identity, and its key authenticates.
 * Before that (no quorum yet) the node is not ready and answers the key 503, not 401.
 */
@Timeout(180)
class NetworkAccountsMigrationTest {
    @TempDir
    Path dir;

    @Test
    void localAccountsAreMovedOntoTheNetworkLedgerOnceKeepingTheirKeys() throws Exception {
        AtomicReference<ApiKeys.Issued> key = new AtomicReference<>();
        AtomicReference<Hash256> ledgerId = new AtomicReference<>();
        TotpSecret totp = new TotpSecret(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
                "SHA1", 6, 30);
        AtomicReference<HttpResponse<String>> pendingMe = new AtomicReference<>();
        AtomicReference<HttpResponse<String>> pendingReady = new AtomicReference<>();
        try (MiniCluster cluster = MiniCluster.builder(dir).nodes(2).raft().configure((i, c, config) -> {
            if (i == 1 && pendingMe.get() == null) {
                // node-1 runs alone in a group of two voters: no quorum, so its accounts are not moved yet
                pendingMe.set(send(c.node(0).port(), "/v1/me", key.get().plaintext()));
                pendingReady.set(send(c.node(0).port(), "/readyz", null));
                return;
            }
            if (i != 0 || key.get() != null) {
                return;
            }
            try (NodeAccounts local = NodeAccounts.open(c.dataDir(i), Clock.systemUTC())) {
                local.accounts().create("legacy", Role.WRITER, "From before");
                ApiKeys.Issued issued = ApiKeys.issue("legacy", "old laptop", Instant.now(), null);
                local.accounts().addApiKey(issued.stored());
                local.accounts().setTotpSecret("legacy", totp);
                ledgerId.set(CustodialKeys.open(c.dataDir(i).resolve("accounts")).ledgerIdOf("legacy"));
                key.set(issued);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).start()) {
            assertThat(pendingMe.get().statusCode()).as("a key not moved yet is refused as unavailable, not as revoked")
                    .isEqualTo(503);
            assertThat(pendingMe.get().body()).contains("still moving its accounts onto the network ledger");
            assertThat(pendingReady.get().statusCode()).isEqualTo(503);
            assertThat(pendingReady.get().body()).contains("waiting for the network ledger");

            NetworkAccountStore network = cluster.node(0).networkAccounts();
            await().atMost(Duration.ofSeconds(90)).until(() -> network.account("legacy").isPresent());
            assertThat(network.account("legacy").orElseThrow().role()).isEqualTo(Role.WRITER);
            assertThat(network.totpSecret("legacy")).contains(totp);
            assertThat(network.custodialKey("legacy").orElseThrow().verifyingKey().fingerprint())
                    .as("the same ledger identity as before").isEqualTo(ledgerId.get());
            assertThat(Files.exists(cluster.dataDir(0).resolve(NetworkAccountStore.MIGRATED_MARKER))).isTrue();
            HttpResponse<String> me = send(cluster.node(0).port(), "/v1/me", key.get().plaintext());
            assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> send(cluster.node(0).port(), "/readyz", null).statusCode() == 200);

            long revision = cluster.node(0).ledgerWriter().reader().state().accountRecordRevision("legacy");
            cluster.restart(0);
            await().atMost(Duration.ofSeconds(90)).until(() -> cluster.node(0).devAdmin() != null); // the network set-up ran again
            assertThat(cluster.node(0).ledgerWriter().reader().state().accountRecordRevision("legacy"))
                    .as("moved once").isEqualTo(revision);
        }
    }

    private static HttpResponse<String> send(int port, String path, String apiKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        try {
            return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
