package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.node.cli.StoqCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The people's CLI ({@code stoq asset ...}) against a real in-process node, with the dev admin key file. */
class AssetCliAgainstNodeTest {
    static TestNode t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestNode();
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    record Run(int exit, String out, String err) {}

    static Run stoq(String... args) {
        return stoqWith(t.node.devAdmin().keyFile(), args);
    }

    /** Runs {@code stoq} with {@code account}'s API key (written to a key file). */
    static Run stoqAs(String account, String... args) throws Exception {
        Path keyFile = t.dir.resolve(account + ".key");
        Files.writeString(keyFile, t.keys.get(account));
        return stoqWith(keyFile, args);
    }

    static Run stoqWith(Path keyFile, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + t.node.port(), "--key-file", keyFile.toString()));
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void putGetLsHistoryProofRoundTrip() throws Exception {
        byte[] data = new byte[700_000];
        new Random(3).nextBytes(data);
        Path in = t.dir.resolve("in.bin");
        Files.write(in, data);
        Run put = stoq("asset", "put", in.toString(), "--no-progress", "--json");
        assertThat(put.exit()).as(put.err()).isZero();
        JsonNode meta = TestNode.JSON.readTree(put.out());
        String id = meta.get("id").asText();
        Path out = t.dir.resolve("out.bin");
        Run get = stoq("asset", "get", id, "-o", out.toString());
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
        Run ls = stoq("asset", "ls", "--json");
        assertThat(ls.exit()).as(ls.err()).isZero();
        assertThat(ls.out()).contains(id);
        Run history = stoq("asset", "history", id, "--json");
        assertThat(history.exit()).as(history.err()).isZero();
        assertThat(history.out()).contains("CREATE");
        Run proof = stoq("asset", "proof", id, "--json");
        assertThat(proof.exit()).as(proof.err()).isZero();
        assertThat(proof.out()).contains(meta.get("merkleRoot").asText());
        Run missing = stoq("asset", "get", "ab".repeat(32), "-o", t.dir.resolve("x").toString());
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err().strip()).startsWith("stoq: error: ").doesNotContain("\n");
    }

    @Test
    void grantThenRevokeDecideWhoReads() throws Exception {
        byte[] data = new byte[50_000];
        new Random(8).nextBytes(data);
        Path in = t.dir.resolve("shared.bin");
        Files.write(in, data);
        Run put = stoqAs("alice", "asset", "put", in.toString(), "--no-progress", "--json");
        assertThat(put.exit()).as(put.err()).isZero();
        String id = TestNode.JSON.readTree(put.out()).get("id").asText();
        Path out = t.dir.resolve("rita.bin");

        Run before = stoqAs("rita", "asset", "get", id, "-o", out.toString());
        assertThat(before.exit()).as("not granted: as if there were no such asset").isEqualTo(55);
        assertThat(out).doesNotExist();
        Run noTotp = stoqAs("alice", "asset", "grant", id, "--to", "rita");
        assertThat(noTotp.exit()).as(noTotp.err()).isEqualTo(53);

        Run grant = stoqAs("alice", "asset", "grant", id, "--to", "rita", "--totp", t.totp("alice"));
        assertThat(grant.exit()).as(grant.err()).isZero();
        assertThat(grant.out()).contains("rita may now read " + id);
        Run grants = stoqAs("alice", "asset", "grants", id);
        assertThat(grants.exit()).as(grants.err()).isZero();
        assertThat(grants.out()).contains("rita").contains("alice");
        Run get = stoqAs("rita", "asset", "get", id, "-o", out.toString());
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
        Run history = stoqAs("rita", "asset", "history", id);
        assertThat(history.out()).contains("GRANT").contains("rita");
        Run again = stoqAs("alice", "asset", "grant", id, "--to", "rita", "--totp", t.totp("alice"));
        assertThat(again.exit()).as("duplicate grant: conflict").isEqualTo(57);
        assertThat(again.err().strip()).startsWith("stoq: error: ").doesNotContain("\n");
        Run readerGrants = stoqAs("rita", "asset", "grant", id, "--to", "bob", "--totp", t.totp("rita"));
        assertThat(readerGrants.exit()).as("a reader's role cannot grant").isEqualTo(54);

        Run revoke = stoqAs("alice", "asset", "revoke", id, "--from", "rita");
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        assertThat(revoke.out()).contains("rita may no longer read " + id);
        Files.delete(out);
        assertThat(stoqAs("rita", "asset", "get", id, "-o", out.toString()).exit()).isEqualTo(55);
        assertThat(out).doesNotExist();
        Run twice = stoqAs("alice", "asset", "revoke", id, "--from", "rita");
        assertThat(twice.exit()).as("no grant left to revoke").isEqualTo(55);
        assertThat(stoqAs("alice", "asset", "history", id, "--json").out()).contains("REVOKE");
    }
}
