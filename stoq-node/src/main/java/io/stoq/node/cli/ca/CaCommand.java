package io.stoq.node.cli.ca;

import io.stoq.node.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code stoq ca}: the network's Falcon certificate authority. */
@Command(
        name = "ca",
        description = {
            "Operate the network's Falcon certificate authority.",
            "The root key is Falcon-1024; the intermediate that issues node certificates is",
            "Falcon-512.",
            "",
            "Typical flow:",
            "  stoq ca init --ca-dir ca            once, on the admin machine",
            "  stoq ca issue --ca-dir ca --csr node/node.csr.pem",
            "                                      per node (after `stoq node csr`)",
            "  stoq ca revoke --ca-dir ca SERIAL   when a node leaves or is compromised",
            "  stoq ca crl --ca-dir ca             re-sign the revocation list before it",
            "                                      goes stale"
        },
        subcommands = {CaInitCommand.class, CaIssueCommand.class, CaRevokeCommand.class, CaListCommand.class, CaCrlCommand.class})
public final class CaCommand extends GroupCommand {}
