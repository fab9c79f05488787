package io.stoq.node.cli.dev;

import io.stoq.node.NodeException;
import io.stoq.node.accounts.AdminBootstrap;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import io.stoq.node.daemon.DevIdentity;
import io.stoq.node.daemon.StoqNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * One node of a {@code stoq dev --nodes N} network, in the child process its parent
 * ({@link DevNetwork}) started: the parent made its identity, ports and network settings (passed
 * as {@code -D}s); this node serves until SIGTERM, or until the parent process is gone.
 * It prints the same lines as a single dev node, its base URL last. Every node is given an S3 port
 * and serves the gateway; node 1 writes the admin's S3 credentials (network state, so they work
 * on every node's gateway) to the network's {@code dev-s3.env}.
 */
final class DevMember {
    private final CommandSpec spec;
    private final Path data;
    private final int port;
    private final boolean tls;
    private final Map<String, String> overrides;
    private final Path network;
    private final Integer s3Port;

    /** @param s3Port the S3 gateway's port (0: a free one), or null for a node without it */
    DevMember(CommandSpec spec, Path data, int port, boolean tls, Map<String, String> overrides, Path network, Integer s3Port) {
        this.spec = spec;
        this.data = data;
        this.port = port;
        this.tls = tls;
        this.overrides = overrides;
        this.network = network;
        this.s3Port = s3Port;
    }

    int run() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> keys = new LinkedHashMap<>(overrides);
        keys.put("data.dir", data.toString());
        keys.put("api.host", "127.0.0.1");
        keys.put("api.port", Integer.toString(port));
        DevIdentity.ApiCertificate certificate = DevIdentity.ensureApiCertificate(data);
        if (tls && !keys.containsKey("api.tls.certificate")) {
            keys.put("api.tls.certificate", certificate.certificate().toAbsolutePath().toString());
            keys.put("api.tls.private-key", certificate.privateKey().toAbsolutePath().toString());
        }
        if (s3Port != null) {
            keys.putIfAbsent("s3.enabled", "true");
            keys.putIfAbsent("s3.host", "127.0.0.1");
            keys.putIfAbsent("s3.port", Integer.toString(s3Port));
        }
        NodeConfig config = NodeConfig.load(null, System.getenv(), keys);
        StoqNode node = StoqNode.start(config, Clock.systemUTC(), false).closeOnShutdown();
        // The parent supervises: when it is gone (even SIGKILLed), this node stops too.
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(node::close));
        AdminBootstrap.Result admin = sharedAdmin(node, config);
        String base = node.baseUri().toString().replaceAll("/$", "");
        // The admin account and its S3 key are network state: node 1 makes the key (one writer of dev-s3.env), every node serves it.
        boolean first = "node-1".equals(node.identity().nodeId());
        Path s3Env = node.s3Server() == null || !first ? null : DevS3Env.ensure(network, node, config.get(NodeConfigKeys.S3_REGION));
        out.printf("stoq dev: node %s of the development network in %s%n", node.identity().nodeId(), network);
        out.printf("  admin API key: %s%n", admin.keyFile());
        if (admin.enrollmentCodeFile() != null) {
            out.printf("  admin TOTP enrollment code (one-time, this node): %s%n", admin.enrollmentCodeFile());
        }
        if (s3Env != null) {
            out.printf("  S3 credentials of the admin: %s%n", s3Env);
        }
        if (node.s3Server() != null) {
            out.println(DevNetwork.S3_ENDPOINT + node.s3Server().endpoint());
        }
        out.println(base);
        out.flush();
        node.awaitClose();
        if (node.failure().isPresent()) {
            throw node.failure().get(); // fail-stop: one line on stderr, the failure's exit code
        }
        return 0;
    }

    /**
     * The network's one admin account with the shared key of {@code DATA/dev-admin.key}. On a Raft
     * ledger accounts are ledger state: whichever node comes first makes the account, the others
     * find it; until the group has a leader and its key epoch, and while the nodes (which share
     * the operator key) race for its nonces, a write fails and is tried again.
     */
    private AdminBootstrap.Result sharedAdmin(StoqNode node, NodeConfig config) throws NodeException, InterruptedException {
        io.stoq.fragmint.port.AccountStore store = node.networkAccounts() != null ? node.networkAccounts() : node.accounts().accounts();
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(5).toNanos();
        while (true) {
            try {
                return AdminBootstrap.ensureAdminWithKey(store, data, Clock.systemUTC(),
                        config.get(NodeConfigKeys.AUTH_ENROLLMENT_CODE_LIFETIME), network.resolve(AdminBootstrap.KEY_FILE));
            } catch (NodeException e) {
                if (System.nanoTime() > deadline || node.failure().isPresent()) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
