package io.stoq.node.bench;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.HealthProbe;
import io.stoq.fragmint.port.Role;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.daemon.DevIdentity;
import io.stoq.node.daemon.StoqNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real node for benchmarks: development identity in a fresh temp directory, the FragMint API on
 * 127.0.0.1 with an ephemeral port, and one {@code writer} account with an API key, so the
 * benchmark's clients go through everything a user's request does (HTTP, auth, shard pipeline,
 * shard store fsyncs, manifest signature, ledger group commit).
 *
 * <p>Node settings are the defaults except the few a benchmark must change: the per-credential
 * rate limit (many clients share one key, and the limiter is not what is measured) and the free
 * space reserve (temp directories are often small). Callers may override any key. {@link #close}
 * stops the node and deletes the directory unless asked to keep it.
 */
public final class InProcessNode implements AutoCloseable {
    /** The account the benchmark's clients upload as. */
    public static final String ACCOUNT = "bench";

    private final Path dir;
    private final StoqNode node;
    private final String apiKey;
    private final Map<String, String> settings;
    private final boolean keepData;

    private InProcessNode(Path dir, StoqNode node, String apiKey, Map<String, String> settings, boolean keepData) {
        this.dir = dir;
        this.node = node;
        this.apiKey = apiKey;
        this.settings = settings;
        this.keepData = keepData;
    }

    /** The settings a benchmark node starts with, before the caller's overrides. */
    public static Map<String, String> benchDefaults(Path dir) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("data.dir", dir.toString());
        keys.put("api.host", "127.0.0.1");
        keys.put("api.port", "0");
        keys.put("api.rate-limit.per-second", "500000"); // the per-address limit (twice this) must stay <= 1,000,000
        keys.put("api.rate-limit.burst", "1000000");
        keys.put("store.min-free", "0B");
        keys.put("peer.bind", "127.0.0.1:0");
        return keys;
    }

    /**
     * Starts a node in a new temp directory with {@link #benchDefaults} and then {@code overrides},
     * and returns once the node's start-up work is done: a node warms AES-GCM's JIT on a background
     * thread when it starts (seconds on an idle machine, far longer on a busy one), and a benchmark
     * running meanwhile would measure that warm-up too; and once the node is ready (on a Raft
     * ledger: a leader, and the accounts on the ledger), so no request meets a half-started node.
     */
    public static InProcessNode start(Map<String, String> overrides, boolean keepData) throws NodeException {
        Path dir;
        try {
            dir = Files.createTempDirectory("stoq-bench-");
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create a temp directory: " + e.getMessage(), e);
        }
        StoqNode node = null;
        try {
            DevIdentity.ensure(dir);
            Map<String, String> settings = benchDefaults(dir);
            settings.putAll(overrides);
            node = StoqNode.start(NodeConfig.load(null, Map.of(), settings), Clock.systemUTC(), false);
            AesGcm.warmUp(); // returns when the node's warm-up thread has finished it (once per JVM)
            awaitReady(node);
            // on a Raft ledger accounts are network state, set up once the node is ready
            AccountStore accounts = node.networkAccounts() != null ? node.networkAccounts() : node.accounts().accounts();
            accounts.create(ACCOUNT, Role.WRITER, "benchmark client");
            ApiKeys.Issued key = ApiKeys.issue(ACCOUNT, "bench", Clock.systemUTC().instant(), null);
            accounts.addApiKey(key.stored());
            return new InProcessNode(dir, node, key.plaintext(), Map.copyOf(settings), keepData);
        } catch (ApiException e) {
            close(node, dir, keepData);
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create the benchmark account: " + e.getMessage(), e);
        } catch (NodeException | RuntimeException e) {
            close(node, dir, keepData);
            throw e;
        }
    }

    /** Waits (at most two minutes) until the node takes traffic, as {@code /readyz} would say. */
    private static void awaitReady(StoqNode node) throws NodeException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        HealthProbe.Status s;
        while (!(s = node.readiness()).ready()) {
            if (System.nanoTime() > deadline) {
                throw new NodeException(NodeErrorCode.IO_ERROR, "the benchmark node is not ready after two minutes: " + s.detail());
            }
            try {
                Thread.sleep(50); // polling a flag, not timing a result
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NodeException(NodeErrorCode.IO_ERROR, "interrupted while waiting for the benchmark node", e);
            }
        }
    }

    /** {@code http://127.0.0.1:PORT/}. */
    public URI baseUri() {
        return node.baseUri();
    }

    /** The writer account's API key (send as {@code Authorization: Bearer KEY}). */
    public String apiKey() {
        return apiKey;
    }

    public Path dir() {
        return dir;
    }

    /** The running node (for its counters). */
    public StoqNode node() {
        return node;
    }

    /** The node settings given on top of the config defaults (benchmark defaults and overrides). */
    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public void close() {
        close(node, dir, keepData);
    }

    private static void close(StoqNode node, Path dir, boolean keepData) {
        if (node != null) {
            node.close();
        }
        if (keepData) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory left behind is not worth failing a finished benchmark
        }
    }
}
