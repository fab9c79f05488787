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
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + t.node.port(), "--key-file", t.node.devAdmin().keyFile().toString()));
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
}
