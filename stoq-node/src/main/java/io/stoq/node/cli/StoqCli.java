package io.stoq.node.cli;

import io.stoq.crypto.CodedFailure;
import io.stoq.node.cli.asset.AssetCommand;
import io.stoq.node.cli.bench.BenchCommand;
import io.stoq.node.cli.ca.CaCommand;
import io.stoq.node.cli.cert.CertCommand;
import io.stoq.node.cli.config.ConfigCommand;
import io.stoq.node.cli.dev.DevCommand;
import io.stoq.node.cli.ledger.LedgerCommand;
import io.stoq.node.cli.node.NodeCommand;
import io.stoq.node.cli.shard.ShardCommand;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParseResult;

/**
 * The {@code stoq} command line: one entry point for operators (node, dev), CA admins (ca, cert)
 * and tooling (bench, shard, ledger).
 *
 * <p>Error policy (shared by every subcommand): a {@link CodedFailure} prints one line
 * {@code stoq: error: <message>} and exits with its code; anything else is a bug and exits 1 with a
 * pointer to {@code --verbose}; stack traces appear only with {@code --verbose}.
 */
@Command(
        name = "stoq",
        mixinStandardHelpOptions = true,
        // Inherited: every subcommand gets --help and --version too.
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = StoqCli.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "STOQ / FragMint: a post-quantum clustered storage node for digital assets.",
            "",
            "Start here:",
            "  stoq dev                     a single-node development network in ./data",
            "  stoq ca init --ca-dir ca     create a Falcon root and intermediate CA",
            "  stoq node keygen --out node  make a node's Falcon, TLS and ML-KEM keys",
            "  stoq bench crypto            measure the primitives on this machine",
            "",
            "Every command takes --help; --json prints machine-readable output;",
            "--verbose shows stack traces."
        },
        footer = {"", "Exit codes: 0 ok, 1 internal error, 2 usage error, 10-19 crypto and certificate",
                "failures, 20-29 shard failures, 30-39 ledger failures, 40-49 node failures,",
                "50-67 and 70 API errors. See docs/cli.md."},
        usageHelpAutoWidth = true,
        subcommands = {
            DevCommand.class,
            NodeCommand.class,
            CaCommand.class,
            CertCommand.class,
            ConfigCommand.class,
            BenchCommand.class,
            ShardCommand.class,
            LedgerCommand.class,
            AssetCommand.class,
            io.stoq.node.cli.network.NetworkCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class StoqCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the configured command line; tests call this to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new StoqCli());
        cli.setExecutionExceptionHandler(StoqCli::handleFailure);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setUsageHelpAutoWidth(true);
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    private static int handleFailure(Exception failure, CommandLine cli, ParseResult parsed) {
        PrintWriter err = cli.getErr();
        boolean verbose = isVerbose(parsed);
        if (failure instanceof CodedFailure coded) {
            err.println("stoq: error: " + failure.getMessage());
            if (verbose) {
                failure.printStackTrace(err);
            }
            err.flush();
            return coded.exitCode();
        }
        err.println("stoq: internal error: " + failure + (verbose ? "" : " (run with --verbose for the stack trace)"));
        if (verbose) {
            failure.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    private static boolean isVerbose(ParseResult parsed) {
        List<String> args = parsed.expandedArgs();
        return args.contains("--verbose") || args.contains("-v");
    }

    /** Reports the version from the jar manifest (or "dev" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = StoqCli.class.getPackage().getImplementationVersion();
            return new String[] {"stoq " + (version == null ? "dev" : version)};
        }
    }
}
