package io.stoq.node.cli;

import picocli.CommandLine.Option;

/**
 * Options every leaf command accepts; add with {@code @Mixin CommonOptions common;}.
 * {@code --verbose} is read by {@link StoqCli}'s failure handler from the raw arguments.
 */
public final class CommonOptions {
    @Option(names = "--json", description = "Print machine-readable JSON instead of text.")
    public boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Show stack traces and extra detail on failure.")
    public boolean verbose;
}
