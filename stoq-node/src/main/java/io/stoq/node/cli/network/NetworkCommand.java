package io.stoq.node.cli.network;

import io.stoq.node.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code stoq network}: network-wide admin actions sent to a running node's API. */
@Command(
        name = "network",
        description = {"Create a network once (init); network-wide admin actions on a running node.",
            "Actions other than init go to a node's REST API at --url. Exit codes: 50-67 and 70 mirror "
                + "the server's problem codes (docs/api.md)."},
        subcommands = {NetworkInitCommand.class, NetworkRotateKeysCommand.class})
public final class NetworkCommand extends GroupCommand {}
