package io.stoq.node.cli.dev;

import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.daemon.DevIdentity;
import io.stoq.node.daemon.StoqNode;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stoq dev}: a single-node development network under {@code ./data}.
 *
 * <p>First start creates a development CA, a node identity and the {@code admin} account (its API
 * key in {@code DATA/dev-admin.key}, mode 0600); later starts reuse them and everything stored.
 * Then the node serves the FragMint API on 127.0.0.1 until SIGTERM or Ctrl-C, which shut it down
 * gracefully (in-flight uploads drain, stores close). Plain HTTP by default; with {@code --tls},
 * HTTPS with the development certificate {@code DATA/tls/api.crt.pem}, made once and kept, which
 * clients trust ({@code curl --cacert data/tls/api.crt.pem}). HTTP/3 always uses that certificate.
 */
@Command(
        name = "dev",
        description = {"Run a single-node development network on 127.0.0.1.",
            "On first start it creates, under --data, a dev CA, node keys and certificate",
            "(unencrypted: development only) and the admin account; then it serves the",
            "FragMint API until SIGTERM or Ctrl-C. The base URL is printed on a line of its",
            "own. The admin's API key is in DATA/dev-admin.key (send it as 'Authorization:",
            "Bearer KEY'); until the admin enrolls a TOTP second factor,",
            "DATA/dev-admin.enrollment-code holds a one-time code for that (see",
            "docs/accounts.md). With --tls it serves HTTPS with the certificate",
            "DATA/tls/api.crt.pem, made once and kept."},
        footer = {"", "Examples:", "  stoq dev",
            "  stoq dev --data /tmp/stoq-dev --port 9090",
            "  curl -H \"Authorization: Bearer $(cat data/dev-admin.key)\" \\",
            "      http://127.0.0.1:8080/v1/assets",
            "  stoq dev --tls",
            "  stoq dev --nodes 3                 # three nodes on one Raft ledger",
            "  curl --cacert data/tls/api.crt.pem https://127.0.0.1:8080/healthz"})
public final class DevCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "data", description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--port", defaultValue = "8080", description = "API port on 127.0.0.1, TCP and UDP; 0 picks any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--s3-port", paramLabel = "PORT", description = {"S3 gateway port on 127.0.0.1 (default 9000; with",
            "--port 0, a free port); with --nodes, node N serves it on PORT+N-1.", "The admin's S3 key is in DATA/dev-s3.env."})
    Integer s3Port;

    @Option(names = "--tls", description = {"Serve HTTPS (HTTP/1.1 and HTTP/2) with",
            "DATA/tls/api.crt.pem; clients trust that file",
            "(curl --cacert, stoq asset --cacert)."})
    boolean tls;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = {"Override a config key (repeatable), for example", "-D ledger.block-interval=20ms"})
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "1", description = {"Run N node processes on one Raft ledger",
            "(1-" + DevNetworkLayout.MAX_NODES + "; default: ${DEFAULT-VALUE}, a single node as without it). Data in",
            "DATA/node-N/, ports picked free once and kept in DATA/node-N/ports;",
            "prints each node's base URL on a line of its own."})
    int nodes;

    /** Set by the parent of a {@code --nodes} network on each node it starts: the network's DATA. */
    @Option(names = "--member-of", paramLabel = "DIR", hidden = true)
    Path memberOf;

    @Override
    public Integer call() throws Exception {
        if (memberOf != null) {
            return new DevMember(spec, data, port, tls, overrides, memberOf, s3Port).run();
        }
        if (nodes != 1) {
            return network();
        }
        PrintWriter out = spec.commandLine().getOut();
        DevIdentity.Result id = DevIdentity.ensure(data);
        Map<String, String> keys = new LinkedHashMap<>(overrides);
        keys.put("data.dir", data.toString());
        keys.put("api.host", "127.0.0.1");
        keys.put("api.port", Integer.toString(port));
        // Peers on loopback too: the API port + 1 (UDP), or a free port when the API's is picked freely.
        keys.putIfAbsent("peer.bind", "127.0.0.1:" + (port == 0 ? 0 : port + 1));
        DevIdentity.ApiCertificate certificate = DevIdentity.ensureApiCertificate(data);
        if (tls && !keys.containsKey("api.tls.certificate")) {
            keys.put("api.tls.certificate", certificate.certificate().toAbsolutePath().toString());
            keys.put("api.tls.private-key", certificate.privateKey().toAbsolutePath().toString());
        }
        keys.putIfAbsent("s3.enabled", "true");
        keys.putIfAbsent("s3.host", "127.0.0.1");
        keys.putIfAbsent("s3.port", Integer.toString(s3Port != null ? s3Port : port == 0 ? 0 : 9000));
        NodeConfig config = NodeConfig.load(null, System.getenv(), keys);
        StoqNode node = StoqNode.start(config, Clock.systemUTC(), true).closeOnShutdown();
        String base = node.baseUri().toString().replaceAll("/$", "");
        Path s3Env = node.s3Server() == null ? null : DevS3Env.ensure(data, node, config.get(io.stoq.node.config.NodeConfigKeys.S3_REGION));
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("baseUrl", base);
            json.put("http3Port", node.http3Port());
            json.put("data", data.toAbsolutePath().toString());
            json.put("nodeId", id.identity().nodeId());
            json.put("adminKeyFile", node.devAdmin().keyFile().toString());
            json.put("certificate", certificate.certificate().toString());
            Path code = node.devAdmin().enrollmentCodeFile();
            json.put("adminEnrollmentCodeFile", code == null ? null : code.toString());
            json.put("created", id.created() || node.devAdmin().created());
            json.put("s3Endpoint", node.s3Server() == null ? null : node.s3Server().endpoint().toString());
            json.put("s3EnvFile", s3Env == null ? null : s3Env.toString());
            json.put("peerAddress", node.peers() == null ? null : node.peers().localAddress().getAddress().getHostAddress()
                    + ":" + node.peers().localAddress().getPort());
            Json.print(out, json);
        } else {
            out.printf("stoq dev: %s development node %s in %s%n", id.created() ? "created" : "reusing",
                    id.identity().nodeId(), data.toAbsolutePath());
            out.printf("  admin API key: %s%n", node.devAdmin().keyFile());
            if (node.devAdmin().enrollmentCodeFile() != null) {
                out.printf("  admin TOTP enrollment code (one-time): %s%n", node.devAdmin().enrollmentCodeFile());
            }
            if (tls) {
                out.printf("  HTTPS (HTTP/1.1, HTTP/2) on TCP, HTTP/3 on UDP %d; stop with Ctrl-C or SIGTERM%n", node.http3Port());
                out.printf("  clients trust %s (curl --cacert %s)%n", certificate.certificate(), certificate.certificate());
            } else {
                out.printf("  HTTP/1.1 and h2c on TCP, HTTP/3 on UDP %d; stop with Ctrl-C or SIGTERM%n", node.http3Port());
            }
            if (node.peers() != null) {
                out.printf("  STOQ peers on UDP %s:%d%n", node.peers().localAddress().getAddress().getHostAddress(),
                        node.peers().localAddress().getPort());
            }
            if (node.s3Server() != null) {
                out.printf("  S3 credentials of the admin: %s (source it, then aws --endpoint-url ...; docs/s3.md)%n", s3Env);
                out.println(DevNetwork.S3_ENDPOINT + node.s3Server().endpoint());
            }
            out.println(base);
        }
        out.flush();
        node.awaitClose();
        if (node.failure().isPresent()) {
            throw node.failure().get(); // fail-stop: one line on stderr, the failure's exit code
        }
        return 0;
    }

    /** {@code --nodes N}: prepares DATA, starts the node processes, prints their URLs and supervises them. */
    private int network() throws Exception {
        if (nodes < 1 || nodes > DevNetworkLayout.MAX_NODES) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--nodes must be 1 to " + DevNetworkLayout.MAX_NODES + ", not " + nodes);
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--port") && port != 0) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "--port does not go with --nodes: each node's ports are picked free on "
                    + "the first start and kept in DATA/node-N/ports");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DevNetworkLayout layout = DevNetworkLayout.prepare(data, nodes);
        List<String> extra = new ArrayList<>();
        if (tls) {
            extra.add("--tls");
        }
        overrides.forEach((k, v) -> {
            extra.add("-D");
            extra.add(k + "=" + v);
        });
        err.printf("stoq dev: starting %d nodes in %s (logs in DATA/node-N/node.log)%n", nodes, layout.data());
        err.flush();
        // Every node serves the S3 gateway (S3 keys are network state): node N on s3 + N - 1, or a free port.
        int s3 = s3Port != null ? s3Port : port == 0 ? 0 : 9000;
        DevNetwork net = DevNetwork.start(layout, extra, index -> List.of("--s3-port", Integer.toString(s3 == 0 ? 0 : s3 + index - 1)),
                err);
        String s3Endpoint = net.s3Endpoint();
        List<String> s3Endpoints = net.s3Endpoints();
        Path s3Env = layout.data().resolve(DevS3Env.FILE);
        Thread hook = new Thread(net::stop, "stoq-dev-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        List<String> urls = net.baseUrls();
        if (common.json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = 0; i < urls.size(); i++) {
                DevNetworkLayout.Member m = layout.members().get(i);
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("nodeId", m.nodeId());
                n.put("baseUrl", urls.get(i));
                n.put("pid", net.pids().get(i));
                n.put("data", m.dir().toString());
                n.put("s3Endpoint", s3Endpoints.get(i));
                list.add(n);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("nodes", list);
            json.put("data", layout.data().toString());
            json.put("adminKeyFile", layout.adminKeyFile().toString());
            json.put("s3Endpoint", s3Endpoint);
            json.put("s3EnvFile", s3Endpoint == null ? null : s3Env.toString());
            Json.print(out, json);
        } else {
            for (int i = 0; i < urls.size(); i++) {
                err.printf("  %s  %s  pid %d, data %s%s%n", layout.members().get(i).nodeId(), urls.get(i), net.pids().get(i),
                        layout.members().get(i).dir(), s3Endpoints.get(i) == null ? "" : ", S3 " + s3Endpoints.get(i));
            }
            err.printf("  admin API key (every node): %s; stop with Ctrl-C or SIGTERM%n", layout.adminKeyFile());
            if (s3Endpoint != null) {
                err.printf("  S3 gateway on every node (one key works on all); credentials of the admin: %s (source it, then aws "
                        + "--endpoint-url ...; docs/s3.md)%n", s3Env);
            }
            err.flush();
            if (s3Endpoint != null) {
                out.println(DevNetwork.S3_ENDPOINT + s3Endpoint);
            }
            urls.forEach(out::println); // stdout holds the URLs (after the S3 endpoint line): scripts read one per line
        }
        out.flush();
        int code = net.awaitExit();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook stops the nodes
        }
        return code;
    }
}
