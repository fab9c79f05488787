package io.stoq.node.cli.shard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.node.cli.Json;
import io.stoq.node.cli.StoqCli;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The shard CLI end to end, in-process, on real files. */
class ShardCommandTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void encodeThenDecodeIsByteExactAndTamperingIsNamedWithItsExitCode() throws Exception {
        Path input = tmp.resolve("data.csv");
        Files.write(input, CorpusGenerator.bytes(CorpusKind.TEXT, 3_000_000, 5));
        Path dir = tmp.resolve("data.shards");
        Run enc = run("shard", "encode", input.toString(), "--out", dir.toString(), "--json");
        assertThat(enc.exit()).as(enc.err()).isZero();
        JsonNode summary = Json.mapper().readTree(enc.out());
        assertThat(summary.get("format").asText()).isEqualTo("CSV");
        assertThat(summary.get("storedBytes").asLong()).isLessThan(3_000_000 / 2);

        Path copy = tmp.resolve("copy.csv");
        Run dec = run("shard", "decode", dir.toString(), "--out", copy.toString());
        assertThat(dec.exit()).as(dec.err()).isZero();
        assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(input));

        Path shard;
        try (Stream<Path> files = Files.list(dir.resolve("shards"))) {
            shard = files.sorted().findFirst().orElseThrow();
        }
        byte[] good = Files.readAllBytes(shard);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x10;
        Files.write(shard, bad);
        Path out2 = tmp.resolve("never.csv");
        Run tampered = run("shard", "decode", dir.toString(), "--out", out2.toString());
        assertThat(tampered.exit()).isEqualTo(23);
        assertThat(tampered.err()).startsWith("stoq: error: shard ").contains("hash mismatch").doesNotContain("Exception");
        assertThat(out2).doesNotExist();
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
        }
        Files.write(shard, good);

        Run wrongKeys = run("shard", "decode", dir.toString(), "--out", out2.toString(), "--keys", tmp.resolve("none").toString());
        assertThat(wrongKeys.exit()).isEqualTo(27);
        Run noManifest = run("shard", "decode", tmp.toString(), "--out", out2.toString(), "--keys", dir + ".keys");
        assertThat(noManifest.exit()).isEqualTo(21);
        assertThat(noManifest.err()).contains("no manifest");
    }

    @Test
    void anyoneHoldingTheSignersPublicKeyVerifiesAndOnlyThatKeyWorks() throws Exception {
        Path input = tmp.resolve("notes.txt");
        Files.write(input, CorpusGenerator.bytes(CorpusKind.TEXT, 200_000, 6));
        Path dir = tmp.resolve("notes.shards");
        Run enc = run("shard", "encode", input.toString(), "--out", dir.toString(), "--json");
        assertThat(enc.exit()).as(enc.err()).isZero();
        assertThat(Json.mapper().readTree(enc.out()).get("manifestSchema").asInt()).isEqualTo(2);

        // A reader with its own ML-KEM key directory (here: a copy of the KEM keys only) and the
        // signer's public key, but not the signer's private key.
        Path keys = Path.of(dir + ".keys");
        Path reader = tmp.resolve("reader-keys");
        Files.createDirectory(reader, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        Files.copy(keys.resolve("kem.key.pem"), reader.resolve("kem.key.pem"));
        Files.copy(keys.resolve("kem.pub.pem"), reader.resolve("kem.pub.pem"));
        Path out = tmp.resolve("notes.out");
        Run dec = run("shard", "decode", dir.toString(), "--out", out.toString(), "--keys", reader.toString(),
                "--signer-key", keys.resolve("signing.pub.pem").toString(), "--json");
        assertThat(dec.exit()).as(dec.err()).isZero();
        assertThat(Json.mapper().readTree(dec.out()).get("manifestSchema").asInt()).isEqualTo(2);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(input));

        // Another encode's signing key is not the signer: exit 22, nothing written.
        Path other = tmp.resolve("other.shards");
        assertThat(run("shard", "encode", input.toString(), "--out", other.toString()).exit()).isZero();
        Path never = tmp.resolve("never.txt");
        Run wrong = run("shard", "decode", dir.toString(), "--out", never.toString(), "--keys", reader.toString(),
                "--signer-key", Path.of(other + ".keys").resolve("signing.pub.pem").toString());
        assertThat(wrong.exit()).isEqualTo(22);
        assertThat(wrong.err()).startsWith("stoq: error: manifest batch is signed by").contains("not a trusted key");
        assertThat(never).doesNotExist();
    }

    @Test
    void aDirectoryWrittenBeforeBatchSealingStillDecodes() throws Exception {
        // legacy/cli-v1 was written by `stoq shard encode` at commit 0e0cb4c (schema 1, one SLH-DSA signature).
        Path legacy = Path.of(ShardCommandTest.class.getResource("/legacy").toURI());
        Path dir = tmp.resolve("cli-v1");
        Path keys = tmp.resolve("cli-v1.keys");
        copyTree(legacy.resolve("cli-v1"), dir);
        copyTree(legacy.resolve("cli-v1.keys"), keys);
        Files.setPosixFilePermissions(keys, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> files = Files.list(keys)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
        }
        Path out = tmp.resolve("small.txt");
        Run dec = run("shard", "decode", dir.toString(), "--out", out.toString(), "--json");
        assertThat(dec.exit()).as(dec.err()).isZero();
        assertThat(Json.mapper().readTree(dec.out()).get("manifestSchema").asInt()).isEqualTo(1);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(legacy.resolve("small.txt")));
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void inspectFastcdcJsonGivesTheReferenceCutsAndDedupAgainstAnEditedCopy() throws Exception {
        Path image = TestDataLocator.fastcdc().resolve("SekienAkashita.jpg");
        Run r = run("shard", "inspect", image.toString(), "--chunker", "fastcdc", "--min", "4096", "--avg", "16384", "--max", "65535", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode json = Json.mapper().readTree(r.out());
        assertThat(json.fieldNames()).toIterable().containsExactly("chunks");
        List<Long> offsets = json.get("chunks").findValues("offset").stream().map(JsonNode::asLong).toList();
        assertThat(offsets).containsExactly(0L, 21325L, 38465L, 66549L, 84766L);
        assertThat(json.get("chunks").get(0).get("sha3").asText()).hasSize(64);

        // 8 MB: ~32 chunks at the 256 KiB floor, so one edited chunk leaves the ratio near 2
        byte[] data = CorpusGenerator.bytes(CorpusKind.TEXT, 8_000_000, 9);
        Path a = tmp.resolve("a.csv");
        Path b = tmp.resolve("b.csv");
        Files.write(a, data);
        byte[] edited = data.clone();
        edited[4_000_000] = (byte) (edited[4_000_000] == '7' ? '8' : '7');
        Files.write(b, edited);
        Run d = run("shard", "inspect", a.toString(), "--against", b.toString(), "--json");
        assertThat(d.exit()).as(d.err()).isZero();
        JsonNode dedup = Json.mapper().readTree(d.out()).get("against");
        int chunks = Json.mapper().readTree(d.out()).get("chunks").size();
        assertThat(dedup.get("sharedChunks").asInt()).isBetween(chunks - 2, chunks - 1);
        assertThat(dedup.get("dedupRatio").asDouble()).isGreaterThan(1.8);

        Run missing = run("shard", "inspect", tmp.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(28);
        Run badSizes = run("shard", "inspect", a.toString(), "--min", "100", "--avg", "50", "--max", "4096");
        assertThat(badSizes.exit()).isEqualTo(20);
        assertThat(badSizes.err()).startsWith("stoq: error: chunk avg 50 out of range");
    }
}
