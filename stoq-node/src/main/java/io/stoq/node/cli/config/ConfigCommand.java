package io.stoq.node.cli.config;

import io.stoq.node.NodeException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.node.config.ConfigKey;
import io.stoq.node.config.NodeConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import io.stoq.node.cli.GroupCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq config}: show the effective configuration, or print the reference. */
@Command(name = "config", description = "Inspect node configuration.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Docs.class})
public final class ConfigCommand extends GroupCommand {

    /** {@code stoq config show}. */
    @Command(name = "show",
            description = {"Print every config key with its effective value and where it came from.",
                "The source is default, file, environment or -D, exactly as `stoq node run`",
                "would resolve it."},
            footer = {"", "Examples:", "  stoq config show --config config/stoq.yaml", "  STOQ_API_PORT=9090 stoq config show -D store.fsync=false"})
    public static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CommonOptions common;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML config file.")
        Path config;

        @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Override a key (repeatable).")
        Map<String, String> overrides = new LinkedHashMap<>();

        @Override
        public Integer call() throws NodeException {
            NodeConfig effective = NodeConfig.load(config, System.getenv(), overrides);
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                for (NodeConfig.Entry e : effective.entries()) {
                    json.put(e.key().name(), Map.of("value", render(e.value()), "source", e.source().name().toLowerCase(Locale.ROOT)));
                }
                Json.print(out, json);
            } else {
                for (NodeConfig.Entry e : effective.entries()) {
                    out.printf("%-28s %-24s %s%n", e.key().name(), render(e.value()), e.source().name().toLowerCase(Locale.ROOT));
                }
            }
            out.flush();
            return 0;
        }

        private static String render(Object value) {
            if (value instanceof java.util.Optional<?> o) {
                return o.map(String::valueOf).orElse("(unset)");
            }
            return value instanceof Duration d ? ConfigKey.format(d) : String.valueOf(value);
        }
    }

    /** {@code stoq config docs}: the generated reference, as committed in docs/config.md. */
    @Command(name = "docs", description = "Print the configuration reference in Markdown (this is docs/config.md).")
    public static final class Docs implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(NodeConfig.markdownReference());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
