package io.stoq.node.cli.cert;

import io.stoq.node.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code stoq cert}: inspect and check certificates. */
@Command(name = "cert", description = "Check certificates against the network root.", subcommands = {CertVerifyCommand.class})
public final class CertCommand extends GroupCommand {}
