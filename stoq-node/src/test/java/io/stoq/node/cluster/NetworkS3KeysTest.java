package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.S3KeyStore;
import io.stoq.node.accounts.NetworkS3Keys;
import io.stoq.node.accounts.NodeAccounts;
import io.stoq.node.daemon.StoqNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3 access keys as network state on real nodes of one Raft ledger: a key made through node 1
 * signs requests that every node's gateway accepts (an object put through node 2 is read through
 * node 3), a key deleted through node 2 is refused by every gateway, and the S3 keys of a data
 * directory from before (node database) are moved onto the ledger once, keeping id and secret.
 */
@Timeout(300)
class NetworkS3KeysTest {
    @TempDir
    Path dir;

    static S3Client client(StoqNode node, S3KeyStore.S3Key k) {
        return S3Client.builder().endpointOverride(node.s3Server().endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(k.accessKeyId(), k.secret())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static String errorCode(Throwable e) {
        return ((S3Exception) e).awsErrorDetails().errorCode();
    }

    @Test
    void aKeyMadeThroughOneNodeWorksOnEveryNodeAndADeletedOneOnNone() throws Exception {
        try (MiniCluster cluster = MiniCluster.builder(dir).nodes(3).raft().config("s3.enabled", "true").config("s3.port", "0").start()) {
            cluster.awaitConnected(Duration.ofSeconds(60));
            cluster.ensureNetworkAccount(0, "alice");
            S3KeyStore.S3Key key = cluster.node(0).s3Keys().create("alice");
            assertThat(cluster.node(0).s3Keys()).isInstanceOf(NetworkS3Keys.class);
            for (int i = 0; i < cluster.size(); i++) {
                int n = i;
                await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(n).s3Keys().find(key.accessKeyId()).isPresent());
                assertThat(cluster.node(n).s3Keys().list("alice")).extracting(S3KeyStore.S3Key::accessKeyId)
                        .containsExactly(key.accessKeyId());
            }
            byte[] content = new byte[300_000];
            new Random(14).nextBytes(content);
            try (S3Client one = client(cluster.node(0), key); S3Client two = client(cluster.node(1), key);
                    S3Client three = client(cluster.node(2), key)) {
                one.createBucket(b -> b.bucket("shared"));
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                    two.headBucket(b -> b.bucket("shared"));
                    return true;
                });
                two.putObject(b -> b.bucket("shared").key("a.bin"), RequestBody.fromBytes(content));
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> java.util.Arrays.equals(three.getObjectAsBytes(b -> b.bucket("shared").key("a.bin")).asByteArray(),
                                content));

                cluster.node(1).s3Keys().revoke("alice", key.accessKeyId());
                for (S3Client c : java.util.List.of(one, two, three)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        try {
                            c.listBuckets();
                            return false;
                        } catch (S3Exception e) {
                            return errorCode(e).equals("InvalidAccessKeyId");
                        }
                    });
                }
                assertThatThrownBy(() -> three.getObject(b -> b.bucket("shared").key("a.bin")))
                        .satisfies(e -> assertThat(errorCode(e)).isEqualTo("InvalidAccessKeyId"));
            }
            for (int i = 0; i < cluster.size(); i++) {
                assertThat(cluster.node(i).s3Keys().list("alice")).isEmpty();
            }
        }
    }

    @Test
    void localKeysOfAnOlderDataDirectoryAreMovedOntoTheLedgerOnce() throws Exception {
        AtomicReference<S3KeyStore.S3Key> legacy = new AtomicReference<>();
        try (MiniCluster cluster = MiniCluster.builder(dir).nodes(1).raft().config("s3.enabled", "true").config("s3.port", "0")
                .configure((i, c, config) -> {
                    if (legacy.get() != null) {
                        return;
                    }
                    try (NodeAccounts local = NodeAccounts.open(c.dataDir(i), Clock.systemUTC())) {
                        local.accounts().create("legacy", Role.WRITER, "From before");
                        legacy.set(local.s3Keys().create("legacy"));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).start()) {
            S3KeyStore keys = cluster.node(0).s3Keys();
            // the marker is written after the last key is committed: wait for it, not only for the key
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(cluster.dataDir(0).resolve(NetworkS3Keys.MIGRATED_MARKER)));
            assertThat(keys.find(legacy.get().accessKeyId()).orElseThrow().secret()).isEqualTo(legacy.get().secret());
            try (S3Client c = client(cluster.node(0), legacy.get())) {
                c.createBucket(b -> b.bucket("old-key"));
                assertThat(c.listBuckets().buckets()).extracting(b -> b.name()).contains("old-key");
            }
            long revision = cluster.node(0).ledgerWriter().reader().state().accountRecordRevision("legacy");
            cluster.restart(0);
            await().atMost(Duration.ofSeconds(90)).until(() -> cluster.node(0).devAdmin() != null); // the network set-up ran again
            assertThat(cluster.node(0).ledgerWriter().reader().state().accountRecordRevision("legacy"))
                    .as("moved once").isEqualTo(revision);
        }
    }
}
