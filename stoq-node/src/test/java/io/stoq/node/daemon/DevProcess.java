package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code stoq dev} node run as a real process by a test, the way a newcomer runs it: started
 * with a launcher in a work directory, its base URL read from the line it prints on stdout. The
 * rest of stdout keeps being drained so a chatty node never blocks on a full pipe; stderr is
 * appended to a file the test can show when something fails.
 */
public final class DevProcess implements AutoCloseable {
    /** The repository's {@code ./stoq} launcher, seen from a module's working directory. */
    public static final Path LAUNCHER = Path.of("..", "stoq").toAbsolutePath().normalize();
    private static final Pattern BASE_URL = Pattern.compile("^(https?)://127\\.0\\.0\\.1:(\\d+)$");

    private final Process process;
    private final String baseUrl;
    private final List<String> baseUrls;

    private DevProcess(Process process, List<String> baseUrls) {
        this.process = process;
        this.baseUrl = baseUrls.get(0);
        this.baseUrls = List.copyOf(baseUrls);
    }

    /**
     * Runs {@code launcher dev --port 0 args...} in {@code dir} (without rebuilding: the jar was
     * built by this Maven run) and waits up to 3 minutes for its base URL line.
     */
    public static DevProcess start(Path dir, String launcher, Path stderr, String... args) throws Exception {
        return start(dir, launcher, stderr, 1, args);
    }

    /**
     * {@code launcher dev --port 0 args...} that prints {@code urls} base URLs, one per line
     * ({@code stoq dev --nodes N} prints one per node): waits up to 5 minutes for all of them.
     */
    public static DevProcess start(Path dir, String launcher, Path stderr, int urls, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher, "dev", "--port", "0"));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd).directory(dir.toFile());
        b.environment().put("STOQ_SKIP_BUILD", "1");
        b.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        Process p = b.start();
        CompletableFuture<List<String>> url = new CompletableFuture<>();
        Thread drain = new Thread(() -> {
            List<String> seen = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (!url.isDone() && BASE_URL.matcher(line).matches()) {
                        seen.add(line);
                        if (seen.size() == urls) {
                            url.complete(List.copyOf(seen));
                        }
                    }
                }
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
            url.complete(null);
        }, "stoq-dev-stdout");
        drain.setDaemon(true);
        drain.start();
        List<String> base = url.get(urls == 1 ? 180 : 300, TimeUnit.SECONDS);
        if (base == null) {
            p.destroyForcibly();
        }
        assertThat(base).as("stoq dev printed %d base URL(s); stderr: %s", urls, Files.exists(stderr) ? Files.readString(stderr) : "")
                .isNotNull();
        return new DevProcess(p, base);
    }

    public Process process() {
        return process;
    }

    /** {@code http://127.0.0.1:PORT} or {@code https://...} as the node printed it. */
    public String baseUrl() {
        return baseUrl;
    }

    /** Every base URL printed, in order (one per node of {@code stoq dev --nodes N}). */
    public List<String> baseUrls() {
        return baseUrls;
    }

    public String port() {
        Matcher m = BASE_URL.matcher(baseUrl);
        assertThat(m.matches()).isTrue();
        return m.group(2);
    }

    /** SIGKILL, as a crash: nothing gets to run a shutdown hook. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGKILL").isTrue();
    }

    /** SIGTERM, and the node must exit by itself within a minute (a graceful shutdown). */
    public void stop() throws InterruptedException {
        process.destroy();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited).as("exits after SIGTERM").isTrue();
    }

    /** Kills the process if a test left it running (a failed assertion before its stop). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
