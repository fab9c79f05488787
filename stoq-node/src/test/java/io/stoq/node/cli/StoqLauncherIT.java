package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code ./stoq} launcher as separate processes, exactly as the README tells a
 * newcomer: bare commands in a fresh directory, relying on the defaults.
 */
class StoqLauncherIT {
    private static final Path LAUNCHER = Path.of("..", "stoq").toAbsolutePath().normalize();

    @TempDir
    Path work;

    record Result(int exit, String out, String err) {}

    private Result stoq(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        // The jar was just built by this very Maven run; do not let the launcher rebuild mid-test.
        builder.environment().put("STOQ_SKIP_BUILD", "1");
        builder.redirectOutput(work.resolve(".out").toFile()).redirectError(work.resolve(".err").toFile());
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("stoq %s finished", String.join(" ", args)).isTrue();
        return new Result(process.exitValue(),
                Files.readString(work.resolve(".out"), StandardCharsets.UTF_8),
                Files.readString(work.resolve(".err"), StandardCharsets.UTF_8));
    }

    @Test
    void readmeCaFlowWorksWithDefaults() throws Exception {
        for (String[] step : new String[][] {{"ca", "init"}, {"node", "keygen"}, {"node", "csr"}, {"ca", "issue"}, {"cert", "verify"}}) {
            Result result = stoq(step);
            assertThat(result.exit()).as("stoq %s: %s", String.join(" ", step), result.err()).isZero();
        }
        Result verify = stoq("cert", "verify");
        assertThat(verify.out()).startsWith("OK: ").contains("revocation").contains("TLS key");
        assertThat(Files.isRegularFile(work.resolve("node/node.crt.pem"))).isTrue();
    }

    @Test
    void badInputExitsNonZeroWithOneLine() throws Exception {
        Files.writeString(work.resolve("junk.pem"), "junk\n");
        Result result = stoq("cert", "verify", "--cert", "junk.pem", "--root", "junk.pem");
        assertThat(result.exit()).isEqualTo(11);
        assertThat(result.err().strip()).startsWith("stoq: error: ").doesNotContain("\n").doesNotContain("Exception");
    }
}
