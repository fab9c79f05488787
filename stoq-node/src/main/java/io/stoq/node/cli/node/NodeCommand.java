package io.stoq.node.cli.node;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code stoq node}: a node's own keys and certificate request. */
@Command(
        name = "node",
        description = {
            "Manage this node's identity: keys and certificate signing request.",
            "",
            "Joining a network:",
            "  stoq node keygen --out node                          Falcon, TLS and ML-KEM keys",
            "  stoq node csr --keys node --node-id node-1 --zone eu-1   then send node/node.csr.pem to the CA admin"
        },
        subcommands = {NodeKeygenCommand.class, NodeCsrCommand.class})
public final class NodeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
