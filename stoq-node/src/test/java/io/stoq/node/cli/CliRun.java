package io.stoq.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs one {@code stoq} command in-process and captures what a user would see. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    JsonNode json() throws Exception {
        return Json.mapper().readTree(out);
    }

    /** True when the failure output is the promised single line, with no stack trace. */
    boolean isOneLineError() {
        String trimmed = err.strip();
        return exitCode != 0 && trimmed.startsWith("stoq: error: ") && !trimmed.contains("\n")
                && !trimmed.contains("Exception") && !trimmed.contains("\tat ");
    }
}
