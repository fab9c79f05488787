package io.stoq.node.cli.dev;

import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * The node processes of {@code stoq dev --nodes N}: one child JVM per node (the same jar, run as
 * {@code stoq dev --data DATA/node-N --member-of DATA ...}), supervised by this parent.
 *
 * <pre>
 *   start: spawn every node (pid in DATA/node-N/pid, stderr and other output in DATA/node-N/node.log)
 *          -> wait until each printed its base URL -> print the URLs, one per line, in node order
 *   run:   a node that exits by itself is reported on stderr and the others are stopped
 *   stop:  SIGTERM to every node (what Ctrl-C or SIGTERM to the parent does), SIGKILL after 60 s
 * </pre>
 *
 * <p>Each child also watches this parent and stops when it goes (even after a SIGKILL of the
 * parent), so no node outlives the command.
 *
 * <p>Threads: the caller's thread starts and waits; one drain thread per child copies its stdout
 * to its log; stop may run on a shutdown hook. {@code stopping} is the one flag they share.
 */
final class DevNetwork {
    /** The line a dev node prints for its S3 gateway (DevCommand, DevMember). */
    static final String S3_ENDPOINT = "S3 endpoint: ";
    private static final Pattern BASE_URL = Pattern.compile("^https?://127\\.0\\.0\\.1:\\d+$");
    private static final long START_TIMEOUT_SECONDS = 300;
    private static final long STOP_TIMEOUT_SECONDS = 60;

    private final DevNetworkLayout layout;
    private final List<Child> children = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CompletableFuture<Child> firstExit = new CompletableFuture<>();
    private final PrintWriter err;

    /** A node process; {@code gone} completes once its exit was handled (pid file removed). */
    private record Child(DevNetworkLayout.Member member, Process process, CompletableFuture<String> baseUrl,
            CompletableFuture<Void> gone, CompletableFuture<String> s3Endpoint) {}

    private DevNetwork(DevNetworkLayout layout, PrintWriter err) {
        this.layout = layout;
        this.err = err;
    }

    /**
     * Spawns every node with the arguments {@code extra} (e.g. {@code --tls}, the user's
     * {@code -D}s) after the network's own, and waits until each serves. Returns the base URLs in
     * node order. On failure every node started is stopped.
     */
    static DevNetwork start(DevNetworkLayout layout, List<String> extra, PrintWriter err) throws NodeException {
        return start(layout, extra, List.of(), err);
    }

    /** As {@link #start(DevNetworkLayout, List, PrintWriter)}, with {@code firstOnly} added to node 1's arguments. */
    static DevNetwork start(DevNetworkLayout layout, List<String> extra, List<String> firstOnly, PrintWriter err) throws NodeException {
        return start(layout, extra, index -> index == 1 ? firstOnly : List.of(), err);
    }

    /**
     * As {@link #start(DevNetworkLayout, List, PrintWriter)}, with {@code perNode.apply(index)}
     * added to node {@code index}'s arguments (1-based; e.g. its S3 gateway's port).
     */
    static DevNetwork start(DevNetworkLayout layout, List<String> extra, java.util.function.IntFunction<List<String>> perNode,
            PrintWriter err) throws NodeException {
        DevNetwork net = new DevNetwork(layout, err);
        try {
            for (DevNetworkLayout.Member m : layout.members()) {
                List<String> args = new ArrayList<>(extra);
                args.addAll(perNode.apply(m.index()));
                net.spawn(m, args);
            }
            for (Child c : net.children) {
                net.awaitUrl(c);
            }
            return net;
        } catch (NodeException | RuntimeException e) {
            net.stop();
            throw e;
        }
    }

    private void spawn(DevNetworkLayout.Member m, List<String> extra) throws NodeException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        // The parent's JVM options (heap, STOQ_JAVA_OPTS) for every node, minus agents and debuggers.
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")).forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), io.stoq.node.cli.StoqCli.class.getName(), "dev",
                "--data", m.dir().toString(), "--port", Integer.toString(m.ports().api()), "--member-of", layout.data().toString()));
        for (String kv : layout.config(m)) {
            cmd.add("-D");
            cmd.add(kv);
        }
        cmd.addAll(extra);
        Path log = m.logFile();
        try {
            Files.createDirectories(m.dir());
            ProcessBuilder b = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Process p = b.start();
            Files.writeString(m.pidFile(), p.pid() + "\n", StandardCharsets.US_ASCII);
            CompletableFuture<String> url = new CompletableFuture<>();
            Child child = new Child(m, p, url, new CompletableFuture<>(), new CompletableFuture<>());
            children.add(child);
            Thread drain = new Thread(() -> drain(child), "stoq-dev-" + m.nodeId() + "-stdout");
            drain.setDaemon(true);
            drain.start();
            p.onExit().thenRun(() -> exited(child));
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot start " + m.nodeId() + " (log " + log + "): " + e.getMessage(), e);
        }
    }

    /** Copies a child's stdout into its log and picks out its base URL line. */
    private void drain(Child c) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(c.process().getInputStream(), StandardCharsets.UTF_8));
                OutputStream log = Files.newOutputStream(c.member().logFile(), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!c.baseUrl().isDone() && BASE_URL.matcher(line).matches()) {
                    c.baseUrl().complete(line);
                }
                if (!c.s3Endpoint().isDone() && line.startsWith(S3_ENDPOINT)) {
                    c.s3Endpoint().complete(line.substring(S3_ENDPOINT.length()).trim());
                }
                log.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                log.flush();
            }
        } catch (IOException e) {
            // the child's pipe broke: its exit is reported by exited()
        }
        c.baseUrl().complete(null);
        c.s3Endpoint().complete(null);
    }

    private void awaitUrl(Child c) throws NodeException {
        String url;
        try {
            url = c.baseUrl().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeErrorCode.IO_ERROR, "interrupted while " + c.member().nodeId() + " started");
        } catch (ExecutionException | TimeoutException e) {
            url = null;
        }
        if (url == null) {
            throw new NodeException(NodeErrorCode.IO_ERROR, c.member().nodeId() + " did not start" + (c.process().isAlive() ? " within "
                    + START_TIMEOUT_SECONDS + " s" : " (exit code " + c.process().exitValue() + ")") + "; see " + c.member().logFile());
        }
    }

    /**
     * Node 1's S3 endpoint as it printed it (before its base URL, so known once {@link #start}
     * returned), or null when it serves none.
     */
    String s3Endpoint() {
        Child first = children.get(0);
        return first.baseUrl().isDone() ? first.s3Endpoint().getNow(null) : null;
    }

    /** Every node's S3 endpoint as it printed it (null for a node serving none), in node order (after {@link #start}). */
    List<String> s3Endpoints() {
        return children.stream().map(c -> c.baseUrl().isDone() ? c.s3Endpoint().getNow(null) : null).toList();
    }

    /** The base URLs, in node order (after {@link #start}). */
    List<String> baseUrls() {
        return children.stream().map(c -> c.baseUrl().getNow(null)).toList();
    }

    List<Long> pids() {
        return children.stream().map(c -> c.process().pid()).toList();
    }

    private void exited(Child c) {
        try {
            Files.deleteIfExists(c.member().pidFile());
        } catch (IOException e) {
            // a stale pid file names a process that is gone; nothing relies on its absence
        }
        if (!stopping.get()) {
            firstExit.complete(c);
        }
        c.gone().complete(null);
    }

    /**
     * Blocks until a node exits by itself (then reports it on stderr, stops the others and returns
     * its exit code, at least 1) or the network is stopped (then returns 0).
     */
    int awaitExit() throws InterruptedException {
        Child dead;
        try {
            dead = firstExit.get();
        } catch (ExecutionException e) {
            return 1;
        }
        if (dead == null) {
            return 0;
        }
        int code = dead.process().exitValue();
        err.printf("stoq dev: %s (pid %d) exited with code %d; stopping the other nodes (its log: %s)%n", dead.member().nodeId(),
                dead.process().pid(), code, dead.member().logFile());
        err.flush();
        stop();
        return code == 0 ? 1 : code;
    }

    /** SIGTERM to every running node, then waits for them (SIGKILL after a minute). Idempotent. */
    void stop() {
        boolean first = stopping.compareAndSet(false, true);
        for (Child c : children) {
            if (c.process().isAlive()) {
                c.process().destroy();
            }
        }
        for (Child c : children) {
            try {
                if (!c.process().waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    err.printf("stoq dev: %s did not stop within %d s; killing it%n", c.member().nodeId(), STOP_TIMEOUT_SECONDS);
                    err.flush();
                    c.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
                c.gone().get(5, TimeUnit.SECONDS); // its pid file is removed by then
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.process().destroyForcibly();
            } catch (ExecutionException | TimeoutException e) {
                // exited; the pid file removal is best effort
            }
        }
        if (first) {
            firstExit.complete(null);
        }
    }
}
