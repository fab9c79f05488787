package io.stoq.node.cli.cert;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code stoq cert}: inspect and check certificates. */
@Command(name = "cert", description = "Check certificates against the network root.", subcommands = {CertVerifyCommand.class})
public final class CertCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
