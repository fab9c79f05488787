package io.stoq.node.cli.node;

import io.stoq.node.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code stoq node}: a node's own keys and certificate request. */
@Command(
        name = "node",
        description = {
            "Manage this node's identity: keys and certificate signing request.",
            "",
            "Joining a network:",
            "  stoq node keygen --out node   make the Falcon, TLS and ML-KEM keys",
            "  stoq node csr --keys node --node-id node-1 --zone eu-1",
            "                                then send node/node.csr.pem to the CA admin"
        },
        subcommands = {NodeKeygenCommand.class, NodeCsrCommand.class, NodeRunCommand.class})
public final class NodeCommand extends GroupCommand {}
