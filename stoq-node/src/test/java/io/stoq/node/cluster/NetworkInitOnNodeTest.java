package io.stoq.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.cli.StoqCli;
import io.stoq.node.cli.network.NetworkInitCommand;
import io.stoq.node.peer.PeerNetwork;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code stoq network init} as a production operator runs it, then a network booting from its
 * output: three Raft nodes started as {@code stoq node run} starts them (no dev admin), every one
 * with the operator key init made, the first voter with {@code network.admin-key-file}. The admin
 * key init wrote then works on every node, {@code /metrics} included (what Prometheus needs),
 * and a second init over the same directory is refused with exit code 16 and changes nothing.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class NetworkInitOnNodeTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run stoq(String... args) {
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void aNetworkMadeByInitBootsWithItsOperatorKeyAndItsAdminKeyWorksOnEveryNode() throws Exception {
        Run init = stoq("network", "init", "--out", dir.toString(), "--network", "prod");
        assertThat(init.code()).as(init.err()).isZero();
        Path adminKey = dir.resolve(NetworkInitCommand.ADMIN_KEY);
        String key = Files.readString(adminKey).trim();
        assertThat(key).startsWith("stq_");
        assertThat(init.out()).as("the key is never printed").doesNotContain(key);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(adminKey))).isEqualTo("rw-------");
        Path operatorPub = dir.resolve("operator").resolve("operator.pub.pem");
        String operator = Files.readString(operatorPub);

        Run again = stoq("network", "init", "--out", dir.toString(), "--network", "prod");
        assertThat(again.code()).as("a second init").isEqualTo(16);
        assertThat(again.err().strip()).startsWith("stoq: error: ").contains("already holds a network").doesNotContain("\n");
        assertThat(Files.readString(adminKey).trim()).as("nothing changed").isEqualTo(key);
        assertThat(Files.readString(operatorPub)).isEqualTo(operator);

        // The nodes: the cluster takes the operator key from dir/operator (init's), as ca-init copies it into each node.
        try (MiniCluster cluster = MiniCluster.builder(dir).nodes(3).raft().noDevAdmin().configure((i, c, config) -> {
            if (i == 0) {
                config.put("network.admin-key-file", adminKey.toString());
            }
        }).start()) {
            for (int i = 0; i < 3; i++) {
                assertThat(Files.readString(cluster.dataDir(i).resolve("accounts").resolve("operator.pub.pem")))
                        .as("node %d holds init's operator key", i).isEqualTo(operator);
            }
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                int port = cluster.node(i).port();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> status(http, port, "/v1/nodes", key) == 200);
                assertThat(status(http, port, "/metrics", key)).as("/metrics with the admin key on node %d", i).isEqualTo(200);
                assertThat(status(http, port, "/metrics", null)).as("/metrics without a key").isEqualTo(401);
            }
            assertThat(cluster.dataDir(0).resolve("dev-admin.enrollment-code")).as("the admin's TOTP enrollment code").exists();
            assertThat(cluster.dataDir(1).resolve("dev-admin.key")).as("no dev admin").doesNotExist();

            // --root records the network id the peers check.
            Path second = dir.resolve("other");
            Run withRoot = stoq("network", "init", "--out", second.toString(), "--root",
                    cluster.ca().directory().resolve("root.crt.pem").toString(), "--json");
            assertThat(withRoot.code()).as(withRoot.err()).isZero();
            String id = PeerNetwork.networkId(PemFiles.readCertificate(cluster.ca().directory().resolve("root.crt.pem"))).toHex();
            assertThat(withRoot.out()).contains(id);
            assertThat(Files.readString(second.resolve(NetworkInitCommand.PROPERTIES))).contains("network-id=" + id);
        }
    }

    static int status(HttpClient http, int port, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
