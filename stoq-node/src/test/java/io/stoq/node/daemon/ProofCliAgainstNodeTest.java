package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stoq.node.cli.StoqCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * End to end on a real node: what {@code stoq asset proof --json} prints is what
 * {@code stoq ledger check-proof} takes (it used to say "bad magic"), and every claim in it must be
 * what the bundle proves.
 */
class ProofCliAgainstNodeTest {
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
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    static Run client(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + t.node.port(), "--key-file", t.node.devAdmin().keyFile().toString()));
        return stoq(all.toArray(String[]::new));
    }

    Path write(String name, String content) throws Exception {
        Path p = t.dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    Run check(Path file, String... more) {
        List<String> args = new ArrayList<>(List.of("ledger", "check-proof", file.toString(), "--root", t.dir.resolve("ca/root.crt.pem").toString()));
        args.addAll(List.of(more));
        return stoq(args.toArray(String[]::new));
    }

    @Test
    void checkProofTakesWhatAssetProofPrintsAndHoldsItToTheBundle() throws Exception {
        byte[] data = new byte[50_000];
        new Random(5).nextBytes(data);
        Path in = t.dir.resolve("proof-in.bin");
        Files.write(in, data);
        Run put = client("asset", "put", in.toString(), "--no-progress", "--json");
        assertThat(put.exit()).as(put.err()).isZero();
        JsonNode meta = TestNode.JSON.readTree(put.out());
        String id = meta.get("id").asText();
        var update = t.send(t.request("/v1/assets/" + id + "/content", "admin").header("Content-Type", "application/octet-stream")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})).build());
        assertThat(update.statusCode()).as(new String(update.body())).isEqualTo(200);
        Run proof = client("asset", "proof", id, "--json", "--version", "1");
        assertThat(proof.exit()).as(proof.err()).isZero();
        Path json = write("proof.json", proof.out());

        Run ok = check(json);
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).startsWith("VALID: asset " + id + " version 1 (merkle root " + meta.get("merkleRoot").asText())
                .contains("= H(body))") // the tx names the manifest body (sealed after the commit)
                .contains("proposed by voter node dev-node").contains("revoked on no CRL");
        Run okJson = check(json, "--json");
        assertThat(okJson.exit()).as(okJson.err()).isZero();
        JsonNode v = TestNode.JSON.readTree(okJson.out());
        assertThat(v.get("assetId").asText()).isEqualTo(id);
        assertThat(v.get("version").asLong()).isEqualTo(1);
        assertThat(v.get("type").asText()).isEqualTo("ASSET_CREATE");
        assertThat(v.get("manifestHashOf").asText()).isEqualTo("body");
        assertThat(v.get("proposerNode").asText()).isEqualTo("dev-node");
        assertThat(v.get("crlNextUpdate").asText()).isNotEmpty();

        // The raw binary bundle inside is accepted too.
        JsonNode claims = TestNode.JSON.readTree(proof.out());
        Path bin = t.dir.resolve("proof.stqproof");
        Files.write(bin, Base64.getDecoder().decode(claims.get("bundle").asText()));
        Run binary = check(bin);
        assertThat(binary.exit()).as(binary.err()).isZero();
        assertThat(binary.out()).startsWith("VALID: tx " + claims.get("txId").asText());

        // A claim the bundle does not back is refused, naming the field.
        String otherHex = "ab".repeat(32);
        for (String[] lie : new String[][] {{"assetId", otherHex}, {"merkleRoot", otherHex}, {"manifestHash", otherHex},
                {"txId", otherHex}, {"blockHash", otherHex}}) {
            ObjectNode edited = claims.deepCopy();
            edited.put(lie[0], lie[1]);
            Run bad = check(write("lie-" + lie[0] + ".json", edited.toString()));
            assertThat(bad.exit()).as(lie[0]).isEqualTo(34);
            assertThat(bad.err().strip()).startsWith("stoq: error: proof invalid: the JSON's \"" + lie[0] + "\" is " + otherHex)
                    .doesNotContain("\n");
        }
        ObjectNode otherVersion = claims.deepCopy();
        otherVersion.put("version", 2);
        Run badVersion = check(write("lie-version.json", otherVersion.toString()));
        assertThat(badVersion.exit()).isEqualTo(34);
        assertThat(badVersion.err()).contains("the JSON's \"version\" is 2 but the bundle proves 1");
        ObjectNode otherHeight = claims.deepCopy();
        otherHeight.put("blockHeight", claims.get("blockHeight").asLong() + 1);
        assertThat(check(write("lie-height.json", otherHeight.toString())).err()).contains("\"blockHeight\"");
        // Version 2's real proof passes; its bundle under version 1's claims does not.
        Run proof2 = client("asset", "proof", id, "--json");
        Run ok2 = check(write("proof2.json", proof2.out()));
        assertThat(ok2.exit()).as(ok2.err()).isZero();
        assertThat(ok2.out()).startsWith("VALID: asset " + id + " version 2");
        ObjectNode swapped = claims.deepCopy();
        swapped.put("bundle", TestNode.JSON.readTree(proof2.out()).get("bundle").asText());
        Run mixed = check(write("mixed.json", swapped.toString()));
        assertThat(mixed.exit()).isEqualTo(34);
        assertThat(mixed.err()).contains("proof invalid: the JSON's \"version\" is 1 but the bundle proves 2");
        // A tampered bundle inside the JSON, and JSON that is not a proof: one-line errors.
        ObjectNode tampered = claims.deepCopy();
        byte[] raw = Base64.getDecoder().decode(claims.get("bundle").asText());
        raw[raw.length / 2] ^= 0x20;
        tampered.put("bundle", Base64.getEncoder().encodeToString(raw));
        Run damaged = check(write("tampered.json", tampered.toString()));
        assertThat(damaged.exit()).isIn(30, 34);
        assertThat(damaged.err().strip()).startsWith("stoq: error: ").doesNotContain("\n");
        Run notProof = check(write("not-proof.json", "{\"hello\": 1}"));
        assertThat(notProof.exit()).isEqualTo(30);
        assertThat(notProof.err()).contains("without \"assetId\"");
        Run garbage = check(write("garbage.txt", "this is not a proof"));
        assertThat(garbage.exit()).isEqualTo(30);
        assertThat(garbage.err()).contains("neither a proof bundle");
    }
}
