package io.stoq.node.cli.asset;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.http.ApiServer;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.HealthProbe;
import io.stoq.fragmint.port.NodePorts;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.node.accounts.AdminBootstrap;
import io.stoq.node.accounts.NodeAccounts;
import io.stoq.node.cli.Json;
import io.stoq.node.cli.StoqCli;
import io.stoq.fragmint.testnode.InMemoryAssets;
import io.stoq.fragmint.testnode.InMemoryLedger;
import io.stoq.node.cli.asset.standin.InMemoryTokens;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code stoq asset ...} run in-process against a real {@link ApiServer} on 127.0.0.1 whose
 * accounts and audit log are the durable RocksDB ones from this branch. The data path is the test
 * stand-in in {@code standin} (real bytes on disk, real SHA3), until StoqNode is on main.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AssetCliTest {
    private Path dir;

    private final Clock clock = Clock.systemUTC();
    private NodeAccounts accounts;
    private ApiServer server;
    private Path adminKey;
    private Path aliceKey;
    private TotpSecret aliceTotp;

    @BeforeAll
    void startNode(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Path data = dir.resolve("data");
        accounts = NodeAccounts.open(data, clock);
        adminKey = AdminBootstrap.ensureAdmin(accounts.accounts(), data, clock).keyFile();
        accounts.accounts().create("alice", Role.WRITER, "Alice");
        accounts.accounts().create("bob", Role.WRITER, "Bob");
        ApiKeys.Issued k = ApiKeys.issue("alice", "test", clock.instant(), null);
        accounts.accounts().addApiKey(k.stored());
        aliceKey = dir.resolve("alice.key");
        Files.writeString(aliceKey, k.plaintext());
        aliceTotp = Totp.newSecret();
        accounts.accounts().setTotpSecret("alice", aliceTotp);
        InMemoryLedger ledger = new InMemoryLedger(clock);
        InMemoryAssets assets = new InMemoryAssets(dir.resolve("assets"), clock, ledger);
        NodePorts ports = new NodePorts(assets, new InMemoryTokens(ledger), ledger, accounts.accounts(),
                accounts.audit(), ledger, () -> new HealthProbe.Status(true, "ready"));
        server = new ApiServer(ApiServerConfig.defaults().withPorts(0, -1), ports, clock);
        server.start();
    }

    @AfterAll
    void stopNode() throws Exception {
        if (server != null) {
            server.close();
        }
        if (accounts != null) {
            accounts.close();
        }
    }

    private record Run(int exitCode, String out, String err) {
        JsonNode json() throws Exception {
            return Json.mapper().readTree(out);
        }

        boolean isOneLineError() {
            String t = err.strip();
            return exitCode != 0 && t.startsWith("stoq: error: ") && !t.contains("\n") && !t.contains("Exception");
        }
    }

    private Run stoq(Path key, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + server.port(), "--key-file", key.toString()));
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private Path file(String name, int size) throws Exception {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void putThenGetGivesIdenticalBytesAndExactRanges() throws Exception {
        for (int size : new int[] {0, 1, 3 * 1024 * 1024 + 7}) {
            Path in = file("in-" + size, size);
            Run put = stoq(adminKey, "asset", "put", in.toString(), "--json");
            assertThat(put.exitCode()).as(put.err()).isZero();
            JsonNode meta = put.json();
            String id = meta.path("id").asText();
            assertThat(meta.path("size").asLong()).isEqualTo(size);
            assertThat(meta.path("version").asLong()).isEqualTo(1);
            assertThat(meta.path("sha256").asText()).isEqualTo(io.stoq.crypto.hash.Sha256.hash(Files.readAllBytes(in)).toHex());
            assertThat(meta.path("name").asText()).isEqualTo(in.getFileName().toString());

            Path out = dir.resolve("out-" + size);
            Run get = stoq(adminKey, "asset", "get", id, "--out", out.toString());
            assertThat(get.exitCode()).as(get.err()).isZero();
            assertThat(get.out()).contains("SHA-256 verified");
            assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(in));
            if (size > 100) {
                byte[] all = Files.readAllBytes(in);
                Path part = dir.resolve("part-" + size);
                assertThat(stoq(adminKey, "asset", "get", id, "--range", "10-19", "--out", part.toString()).exitCode()).isZero();
                assertThat(Files.readAllBytes(part)).isEqualTo(Arrays.copyOfRange(all, 10, 20));
                assertThat(stoq(adminKey, "asset", "get", id, "--range", "-5", "--out", part.toString()).exitCode()).isZero();
                assertThat(Files.readAllBytes(part)).isEqualTo(Arrays.copyOfRange(all, size - 5, size));
                Run beyond = stoq(adminKey, "asset", "get", id, "--range", size + "-", "--out", part.toString());
                assertThat(beyond.exitCode()).isEqualTo(51);
                assertThat(beyond.isOneLineError()).as(beyond.err()).isTrue();
            }
        }
    }

    @Test
    void largeUploadDrawsProgressOnStderr() throws Exception {
        Path in = file("big", (int) AssetPutCommand.PROGRESS_THRESHOLD + 1);
        Run put = stoq(adminKey, "asset", "put", in.toString());
        assertThat(put.exitCode()).as(put.err()).isZero();
        assertThat(put.err()).contains("100.0%").contains("MiB/s");
        String id = put.out().lines().findFirst().orElseThrow();
        Path out = dir.resolve("big.out");
        assertThat(stoq(adminKey, "asset", "get", id, "-o", out.toString()).exitCode()).isZero();
        assertThat(Files.mismatch(in, out)).isEqualTo(-1);
    }

    @Test
    void lsHistoryAndProof() throws Exception {
        Path in = file("listed", 1000);
        String id = stoq(aliceKey, "asset", "put", in.toString(), "--json").json().path("id").asText();
        Run ls = stoq(adminKey, "asset", "ls", "--owner", "alice", "--json");
        assertThat(ls.exitCode()).as(ls.err()).isZero();
        assertThat(ls.json().path("items").findValuesAsText("id")).contains(id);
        Run text = stoq(adminKey, "asset", "ls", "--owner", "alice");
        assertThat(text.out()).contains(id).contains("alice");
        Run history = stoq(adminKey, "asset", "history", id, "--json");
        assertThat(history.exitCode()).as(history.err()).isZero();
        assertThat(history.json().path("items").get(0).path("change").asText()).isEqualTo("CREATE");
        Run proof = stoq(adminKey, "asset", "proof", id, "--json");
        assertThat(proof.exitCode()).as(proof.err()).isZero();
        assertThat(proof.json().path("assetId").asText()).isEqualTo(id);
        assertThat(stoq(adminKey, "asset", "proof", id).out()).contains("merkle root");
        Run locations = stoq(adminKey, "asset", "locations", id, "--json");
        assertThat(locations.exitCode()).as(locations.err()).isZero();
        assertThat(locations.json().path("shards").get(0).path("index").asInt()).isZero();
        assertThat(locations.json().path("shards").get(0).path("nodes").isArray()).isTrue();
        assertThat(stoq(adminKey, "asset", "locations", id).out()).contains("INDEX").contains("NODES");
    }

    @Test
    void transferNeedsTotpThenChangesWhoMayWrite() throws Exception {
        String id = stoq(aliceKey, "asset", "put", file("owned", 500).toString(), "--json").json().path("id").asText();
        Run noTotp = stoq(aliceKey, "asset", "transfer", id, "--to", "bob");
        assertThat(noTotp.exitCode()).isEqualTo(53);
        assertThat(noTotp.isOneLineError()).as(noTotp.err()).isTrue();
        Run ok = stoq(aliceKey, "asset", "transfer", id, "--to", "bob", "--totp", Totp.code(aliceTotp, clock.instant()),
                "--json");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.json().path("owner").asText()).isEqualTo("bob");
        // alice no longer owns it, nor may she see it (not found, 55), whatever the code (53 if it was used)
        Run again = stoq(aliceKey, "asset", "transfer", id, "--to", "alice", "--totp",
                Totp.code(aliceTotp, clock.instant().plusSeconds(30)));
        assertThat(again.exitCode()).as(again.err()).isIn(55, 53);
        assertThat(again.isOneLineError()).isTrue();
        assertThat(stoq(adminKey, "asset", "history", id, "--json").json().path("items").findValuesAsText("change"))
                .containsExactly("CREATE", "TRANSFER");
    }

    @Test
    void failuresAreOneLineWithTheServersExitCode() throws Exception {
        Run unknown = stoq(adminKey, "asset", "get", "no-such-asset", "-o", dir.resolve("x").toString());
        assertThat(unknown.exitCode()).isEqualTo(55);
        assertThat(unknown.isOneLineError()).as(unknown.err()).isTrue();
        assertThat(dir.resolve("x")).doesNotExist();

        Path wrong = dir.resolve("wrong.key");
        Files.writeString(wrong, ApiKeys.issue("admin", "x", clock.instant(), null).plaintext());
        Run denied = stoq(wrong, "asset", "ls");
        assertThat(denied.exitCode()).isEqualTo(52);
        assertThat(denied.isOneLineError()).as(denied.err()).isTrue();

        Run noKey = stoq(dir.resolve("missing.key"), "asset", "ls");
        assertThat(noKey.exitCode()).isEqualTo(52);
        assertThat(noKey.err()).contains("missing.key does not exist");

        Run badRange = stoq(adminKey, "asset", "get", "abc", "--range", "9-3");
        assertThat(badRange.exitCode()).isEqualTo(50);
        assertThat(badRange.isOneLineError()).isTrue();

        Run badId = stoq(adminKey, "asset", "get", "../etc");
        assertThat(badId.exitCode()).isEqualTo(50);

        Run noFile = stoq(adminKey, "asset", "put", dir.resolve("nope").toString());
        assertThat(noFile.exitCode()).isEqualTo(44);
        assertThat(noFile.isOneLineError()).isTrue();

        CommandLine cli = StoqCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int down = cli.execute("asset", "ls", "--url", "http://127.0.0.1:1", "--key-file", adminKey.toString());
        assertThat(down).isEqualTo(64);
        assertThat(err.toString()).contains("cannot reach the node");
    }

    @Test
    void everyDecisionLandsInTheDurableAuditLog() throws Exception {
        Path wrong = dir.resolve("wrong2.key");
        Files.writeString(wrong, ApiKeys.issue("admin", "x", clock.instant(), null).plaintext());
        stoq(wrong, "asset", "ls");
        stoq(aliceKey, "asset", "ls");
        // The API appends the audit record right after writing the response, so the client can
        // see its answer a moment before the record is durable: wait for it rather than race it.
        // A denial without a valid credential is only counted until its minute closes: flush as if it had.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() -> {
            accounts.audit().flushClosed(clock.instant().plus(java.time.Duration.ofMinutes(1)));
            List<AuditRecord> records = accounts.audit().query(new AuditLog.Query(null, null, null, null),
                    PageRequest.first(500)).items();
            assertThat(records).anyMatch(r -> r.outcome() == AuditRecord.Outcome.DENIED_UNAUTHENTICATED
                    && r.operation().equals("listAssets"));
            assertThat(records).anyMatch(r -> r.outcome() == AuditRecord.Outcome.ALLOWED && r.actor().equals("alice")
                    && r.operation().equals("listAssets"));
        });
        try (Stream<Path> parts = Files.list(dir)) {
            assertThat(parts.filter(p -> p.getFileName().toString().endsWith(".part"))).isEmpty();
        }
    }
}
