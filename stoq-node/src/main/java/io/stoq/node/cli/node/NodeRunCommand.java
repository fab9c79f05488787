package io.stoq.node.cli.node;

import io.stoq.node.cli.CommonOptions;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.daemon.StoqNode;
import java.io.PrintWriter;
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
 * {@code stoq node run}: the production daemon, configured by YAML, environment and -D overrides.
 * It refuses to serve plain HTTP on a non-loopback {@code api.host} unless TLS is configured or
 * {@code api.allow-insecure} is set ({@code StoqNode.requireTlsOffLoopback}).
 */
@Command(
        name = "run",
        description = {"Run the node daemon: the ledger, the shard store and the FragMint API.",
            "The API speaks HTTP/1.1, HTTP/2 and HTTP/3.",
            "Config precedence: -D, then STOQ_* environment variables, then the YAML file,",
            "then defaults (see `stoq config docs`). Prints the base URL on a line of its",
            "own; stops gracefully on SIGTERM. HTTPS needs api.tls.certificate and",
            "api.tls.private-key; without them the API listens only on loopback (plain",
            "HTTP), unless api.allow-insecure=true (a TLS proxy in front)."},
        footer = {"", "Examples:", "  stoq node run --config /etc/stoq/node.yaml",
            "  stoq node run --config node.yaml -D api.port=9090 \\",
            "      -D ledger.block-interval=20ms",
            "  stoq node run --config node.yaml -D api.host=0.0.0.0 \\",
            "      -D api.tls.certificate=/etc/stoq/api.crt.pem \\",
            "      -D api.tls.private-key=/etc/stoq/api.key.pem"})
public final class NodeRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = "YAML config file.")
    Path config;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        NodeConfig cfg = NodeConfig.load(config, System.getenv(), overrides);
        StoqNode node = StoqNode.start(cfg, Clock.systemUTC(), false).closeOnShutdown();
        String base = node.baseUri().toString().replaceAll("/$", "");
        if (common.json) {
            io.stoq.node.cli.Json.print(out, Map.of("baseUrl", base, "nodeId", node.identity().nodeId(),
                    "http3Port", node.http3Port()));
        } else {
            out.printf("stoq node %s serving; stop with SIGTERM%n", node.identity().nodeId());
            out.println(base);
        }
        out.flush();
        node.awaitClose();
        if (node.failure().isPresent()) {
            throw node.failure().get(); // fail-stop: one line on stderr, the failure's exit code
        }
        return 0;
    }
}
