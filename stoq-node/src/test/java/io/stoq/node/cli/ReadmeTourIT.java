package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.node.daemon.DevProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's tour works as written: every {@code sh} block under "## A tour" is read from
 * README.md and each of its lines is run by bash, exactly as a newcomer would paste it, with
 * {@code ./stoq} being the real launcher (a symlink to it in the working directory). The commands
 * that talk to a node run beside a real {@code ./stoq dev} started on a free port; the only
 * rewrites are that port for {@code 127.0.0.1:8080} (and {@code STOQ_URL} for the {@code stoq
 * asset} commands, whose default is that address), the id printed by {@code asset put} for
 * {@code ID}, and a temporary directory for {@code /tmp/ledger}. The input files the tour assumes
 * ({@code photo.jpg}, {@code big.csv}, ...) are generated. {@code curl} lines run only when curl
 * is installed; their answers must not be problem documents (curl exits 0 on a 415). The block
 * that starts {@code ./stoq dev --tls} gets a node of its own in its own directory, started with
 * {@code --tls --port 0}, and its lines (curl with {@code --cacert data/tls/api.crt.pem},
 * {@code stoq asset ls --url https://...}) run beside it.
 */
class ReadmeTourIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern PROBLEM = Pattern.compile("\"type\"\\s*:\\s*\"https://stoq\\.io/problems/");

    @TempDir
    Path work;

    record Ran(int exit, String out, String err) {}

    /** The sh blocks of the README section "## A tour", each a list of command lines. */
    static List<List<String>> tourBlocks(String readme) {
        int start = readme.indexOf("\n## A tour");
        assertThat(start).as("README has a section '## A tour'").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        String tour = readme.substring(start, end < 0 ? readme.length() : end);
        List<List<String>> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL).matcher(tour);
        while (m.find()) {
            List<String> lines = new ArrayList<>();
            for (String line : m.group(1).split("\\n")) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
            blocks.add(lines);
        }
        return blocks;
    }

    private static boolean curlInstalled() {
        try {
            return new ProcessBuilder("bash", "-c", "command -v curl").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private Path freshDir(String name) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        Files.createSymbolicLink(dir.resolve("stoq"), REPO.resolve("stoq"));
        Random rnd = new Random(7);
        byte[] photo = new byte[200_000];
        rnd.nextBytes(photo);
        photo[0] = (byte) 0xFF;
        photo[1] = (byte) 0xD8;
        photo[2] = (byte) 0xFF;
        Files.write(dir.resolve("photo.jpg"), photo);
        StringBuilder csv = new StringBuilder("id,name,amount\n");
        for (int i = 0; i < 20_000; i++) {
            csv.append(i).append(",item-").append(rnd.nextInt(1000)).append(',').append(rnd.nextInt(100_000)).append('\n');
        }
        Files.writeString(dir.resolve("big.csv"), csv);
        Files.writeString(dir.resolve("v1.csv"), csv);
        Files.writeString(dir.resolve("v2.csv"), csv.toString().replace("item-42,", "item-forty-two,"));
        return dir;
    }

    private Ran bash(Path dir, String line, String stoqUrl) throws IOException, InterruptedException {
        ProcessBuilder b = new ProcessBuilder("bash", "-c", line).directory(dir.toFile());
        b.environment().put("STOQ_SKIP_BUILD", "1"); // the jar was built by this very Maven run
        if (stoqUrl != null) {
            b.environment().put("STOQ_URL", stoqUrl);
        }
        b.redirectOutput(dir.resolve(".out").toFile()).redirectError(dir.resolve(".err").toFile());
        Process p = b.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + line);
        }
        return new Ran(p.exitValue(), Files.readString(dir.resolve(".out")), Files.readString(dir.resolve(".err")));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES) // ~20 JVM starts, two benchmarks: minutes on a busy machine
    void everyTourCommandWorksAsWritten() throws Exception {
        List<List<String>> blocks = tourBlocks(Files.readString(REPO.resolve("README.md")));
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(5);
        boolean curl = curlInstalled();
        Path devDir = freshDir("dev");
        try (DevProcess dev = DevProcess.start(devDir, "./stoq", work.resolve("dev.err"))) {
            String p = dev.port();
            String base = "http://127.0.0.1:" + p;

            String assetId = null;
            int ran = 0;
            int skipped = 0;
            int n = 0;
            for (List<String> block : blocks) {
                if (isTlsBlock(block)) {
                    ran += runTlsBlock(block, curl);
                    continue;
                }
                boolean needsNode = block.stream().anyMatch(l -> l.contains("127.0.0.1:8080") || l.contains("stoq asset")
                        || l.contains("data/dev-admin"));
                Path dir = needsNode ? devDir : freshDir("block-" + n++);
                for (String written : block) {
                    String line = written.replace("127.0.0.1:8080", "127.0.0.1:" + p)
                            .replace("/tmp/ledger", work.resolve("ledger").toString());
                    if (assetId != null) {
                        line = line.replaceAll("\\bID\\b", assetId);
                    }
                    boolean isCurl = line.stripLeading().startsWith("curl ");
                    if (isCurl && !curl) {
                        skipped++;
                        continue;
                    }
                    long t0 = System.nanoTime();
                    Ran r = bash(dir, line, needsNode ? base : null);
                    System.out.printf("README tour: %5.1f s  %s%n", (System.nanoTime() - t0) / 1e9, written);
                    assertThat(r.exit()).as("`%s` exited %d: %s", written, r.exit(), r.err()).isZero();
                    if (isCurl) {
                        assertThat(PROBLEM.matcher(r.out()).find()).as("`%s` answered a problem: %s", written, r.out())
                                .isFalse();
                    }
                    if (assetId == null && line.contains("stoq asset put")) {
                        assetId = r.out().lines().findFirst().orElseThrow().strip();
                    }
                    ran++;
                }
            }
            assertThat(assetId).as("the tour uploads an asset").isNotNull();
            assertThat(Files.readAllBytes(devDir.resolve("copy.jpg"))).isEqualTo(Files.readAllBytes(devDir.resolve("photo.jpg")));
            assertThat(ran).isGreaterThanOrEqualTo(15);
            System.out.printf("README tour: %d commands run, %d curl lines skipped (curl %s)%n", ran, skipped,
                    curl ? "installed" : "not installed");
            dev.stop();
        }
    }

    /** The block that starts {@code ./stoq dev --tls} and talks to it over https. */
    private static boolean isTlsBlock(List<String> block) {
        return block.get(0).strip().equals("./stoq dev --tls");
    }

    /**
     * Runs the TLS block as written, in a directory of its own: its first line starts the node
     * (here with {@code --port 0}), the others run beside it with the port rewritten.
     */
    private int runTlsBlock(List<String> block, boolean curl) throws Exception {
        Path dir = freshDir("tls");
        try (DevProcess dev = DevProcess.start(dir, "./stoq", work.resolve("dev-tls.err"), "--tls")) {
            String p = dev.port();
            int ran = 0;
            for (String written : block.subList(1, block.size())) {
                String line = written.replace("127.0.0.1:8080", "127.0.0.1:" + p);
                if (line.stripLeading().startsWith("curl ") && !curl) {
                    continue;
                }
                Ran r = bash(dir, line, null);
                System.out.printf("README tour (TLS): %s%n", written);
                assertThat(r.exit()).as("`%s` exited %d: %s", written, r.exit(), r.err()).isZero();
                assertThat(PROBLEM.matcher(r.out()).find()).as("`%s` answered a problem: %s", written, r.out()).isFalse();
                ran++;
            }
            assertThat(dir.resolve("data/tls/api.crt.pem")).exists();
            dev.stop();
            return ran;
        }
    }

    @Test
    void theTourParserFindsTheDevBlockAsWritten() throws Exception {
        List<List<String>> blocks = tourBlocks(Files.readString(REPO.resolve("README.md")));
        assertThat(blocks).anyMatch(ReadmeTourIT::isTlsBlock);
        assertThat(blocks.stream().flatMap(List::stream)).anyMatch(l -> l.startsWith("./stoq asset put photo.jpg"));
        assertThat(blocks.stream().flatMap(List::stream)).anyMatch(l -> l.startsWith("curl ") && l.contains("--data-binary"));
    }
}
