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
 * the raw text; {@code stoq bench shard} shipped with one); and it reads cleanly at 80 columns, as
 * a newcomer first sees it: no line longer than 80, no token (a path, a URL, a config key, a
 * hyphenated word) split across a line end, no sentence cut short by a hard line break, and every
 * entry of a command list a whole sentence.
 */
class HelpTextTest {
    private static final int WIDTH = 80;
    /** A line whose next word would have fitted this far is a hard break, not a wrap. */
    private static final int RAGGED = WIDTH - 4;
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

    @Test
    void everyHelpTextReadsCleanlyAtEightyColumns() {
        CommandLine root = StoqCli.commandLine();
        root.setUsageHelpAutoWidth(false);
        root.setUsageHelpWidth(WIDTH);
        List<List<String>> paths = new ArrayList<>();
        collect(root, new ArrayList<>(), paths);
        List<String> problems = new ArrayList<>();
        for (List<String> path : paths) {
            CommandLine cmd = root;
            for (String name : path) {
                cmd = cmd.getSubcommands().get(name);
            }
            String help = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
            for (String p : problems(help)) {
                problems.add("stoq " + String.join(" ", path) + ": " + p);
            }
        }
        assertThat(problems).as("help text breaks at %d columns", WIDTH).isEmpty();
    }

    @Test
    void theCheckFindsTheBreaksTheIssueReported() {
        // as `stoq --help` rendered them at commit 0e0cb4c
        assertThat(problems("""
                Start here:
                  stoq dev                      run a single-node development network under .
                /data
                """)).hasSize(1);
        assertThat(problems("""
                failures,
                20-29 shard failures, 30-39 ledger failures, 40-49 node failures. See docs/cli.
                md.
                """)).hasSize(2);
        assertThat(problems("""
                Commands:
                  dev     Run a single-node development network: creates a dev CA, node keys
                            and certificate and the
                  node    Manage this node's identity: keys and certificate signing request.
                """)).containsExactly("command summary is not a whole sentence: 'dev     Run a single-node "
                + "development network: creates a dev CA, node keys and certificate and the'");
        assertThat(problems("""
                      --url=URL             Base URL of the node (default: http://127.0.0.1:
                                              8080; env STOQ_URL).
                """)).hasSize(1);
        assertThat(problems("""
                Run a single-node development network: creates a dev CA, node keys and
                certificate and the
                admin account under --data on first start (unencrypted keys: development only),
                """)).hasSize(1);
        assertThat(problems("x".repeat(81))).hasSize(1);
        assertThat(problems("""
                Joining a network:
                  stoq node keygen --out node                          Falcon, TLS and ML-KEM
                keys
                """)).hasSize(1);
        assertThat(problems("""
                      --at=INSTANT     Validate at this time (ISO-8601, e.g. 2027-01-01T00:00:
                                         00Z) instead of now.
                      --crl-days=<crlDays>   How long each signed CRL stays current (default:
                                               7).
                """)).hasSize(1);
        assertThat(problems("""
                Exit codes: 0 ok, 1 internal error, 2 usage error, 10-19 crypto/certificate
                failures (see docs/cli.md).

                Examples:
                  stoq dev
                  stoq dev --data /tmp/stoq-dev --port 9090
                """)).isEmpty();
    }

    /** What reads badly in one rendered help text, one line per problem. */
    static List<String> problems(String help) {
        List<String> out = new ArrayList<>();
        String[] lines = help.split("\\R", -1);
        boolean inCommands = false;
        StringBuilder entry = null;
        for (int i = 0; i < lines.length; i++) {
            String a = lines[i].stripTrailing();
            if (a.length() > WIDTH) {
                out.add("line longer than " + WIDTH + ": '" + a + "'");
            }
            if (a.equals("Commands:")) {
                inCommands = true;
                continue;
            }
            if (inCommands) {
                if (a.matches("  \\S.*")) {
                    finishEntry(entry, out);
                    entry = new StringBuilder(a.strip());
                } else if (a.matches("\\s{4,}\\S.*") && entry != null) {
                    entry.append(' ').append(a.strip());
                } else {
                    finishEntry(entry, out);
                    entry = null;
                    inCommands = false;
                }
            }
            if (i + 1 >= lines.length) {
                break;
            }
            String b = lines[i + 1].strip();
            if (a.isBlank() || b.isEmpty() || (inCommands && lines[i + 1].matches("  \\S.*"))) {
                continue; // (the next command of a command list starts there)
            }
            String lastToken = a.substring(a.lastIndexOf(' ') + 1);
            String firstWord = b.split("\\s+")[0];
            char first = b.charAt(0);
            boolean continues = Character.isLowerCase(first) || Character.isDigit(first);
            boolean outdented = !Character.isWhitespace(lines[i + 1].charAt(0)) && Character.isWhitespace(a.charAt(0));
            if (lastToken.equals(".") || lastToken.equals("./") || first == '/'
                    || (lastToken.length() > 1 && (lastToken.endsWith("/") || lastToken.endsWith("=")
                            || lastToken.endsWith("-") && Character.isLetter(first)))
                    || (lastToken.matches(".*[0-9:/.].*:") && (Character.isDigit(first) || first == '/'))
                    || (lastToken.matches(".*[/.].*[A-Za-z0-9]\\.|.*[A-Za-z0-9]\\.") && continues
                            && (lastToken.matches(".*[/.].*\\.") || firstWord.contains("=")))) {
                out.add("token split across lines: '" + lastToken + "' | '" + firstWord + "'");
            } else if (outdented && !Character.isUpperCase(first)) {
                out.add("indented line wrapped to column 0: '" + a.strip() + "' | '" + firstWord + "'");
            } else if (continues && !isExample(b) && !a.matches(".*[.:;!?]") && indent(lines[i + 1]) == indent(a)
                    && a.length() + 1 + firstWord.length() <= RAGGED) {
                out.add("sentence cut by a hard line break after '" + a.strip() + "'");
            }
        }
        finishEntry(entry, out);
        return out;
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }

    private static boolean isExample(String line) {
        return line.startsWith("stoq ") || line.startsWith("curl ") || line.startsWith("./stoq")
                || line.matches("[A-Z_]+=.*");
    }

    private static void finishEntry(StringBuilder entry, List<String> out) {
        if (entry != null && !entry.toString().matches(".*[.)]")) {
            out.add("command summary is not a whole sentence: '" + entry + "'");
        }
    }
}
