package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} renders cleanly: exit 0, a description, and no picocli warning
 * (an unescaped {@code %} in a description or footer makes picocli print one to stderr and show
 * the raw text; {@code stoq bench shard} shipped with one).
 */
class HelpTextTest {
    @Test
    void everyCommandHelpRendersWithoutPicocliWarnings() {
        List<List<String>> paths = new ArrayList<>();
        collect(StoqCli.commandLine(), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(20);
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (List<String> path : paths) {
                List<String> args = new ArrayList<>(path);
                args.add("--help");
                CliRun run = CliRun.of(args.toArray(String[]::new));
                String name = String.join(" ", path);
                assertThat(run.exitCode()).as("stoq %s --help", name).isZero();
                assertThat(run.out()).as("stoq %s --help", name).startsWith("Usage: stoq").hasSizeGreaterThan(80);
                assertThat(run.err()).as("stoq %s --help", name).isEmpty();
                assertThat(captured.toString(StandardCharsets.UTF_8)).as("stderr of stoq %s --help", name).doesNotContain("picocli WARN");
            }
        } finally {
            System.setErr(original);
        }
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        for (var sub : command.getSubcommands().entrySet()) {
            if (!sub.getValue().getCommandName().equals(sub.getKey())
                    || sub.getValue().getCommand() instanceof CommandLine.HelpCommand) {
                continue; // an alias, or picocli's own `help` command
            }
            List<String> next = new ArrayList<>(path);
            next.add(sub.getKey());
            collect(sub.getValue(), next, out);
        }
    }
}
