package io.stoq.node.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h, --help} for the commands that have an option of their own named {@code --version}
 * (an asset version): that option displaces the {@code --help} and {@code --version} every other
 * command inherits from {@code stoq}, so these add help back with {@code @Mixin HelpOption help;}.
 * {@code HelpTextTest} checks every command's help.
 */
public final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
}
