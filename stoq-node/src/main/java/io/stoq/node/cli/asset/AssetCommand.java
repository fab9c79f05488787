package io.stoq.node.cli.asset;

import io.stoq.node.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code stoq asset}: the FragMint asset core from a terminal, for people and scripts. */
@Command(
        name = "asset",
        description = {"Upload, download, list, audit, share and transfer assets on a running node.",
            "The commands talk to the node's REST API at --url (default",
            "http://127.0.0.1:8080, env STOQ_URL). The API key comes from STOQ_API_KEY or",
            "--key-file (default data/dev-admin.key, written by `stoq dev`)."},
        footer = {"", "Examples:",
            "  stoq dev &                                   # starts a local node",
            "  stoq asset put photo.jpg                     # prints the new asset id",
            "  stoq asset get ID --out copy.jpg             # download, checked by SHA-256",
            "  stoq asset get ID --range 0-1023 --out head  # first KiB",
            "  stoq asset grant ID --to bob --totp 123456   # bob may read it too",
            "  stoq asset transfer ID --to bob --totp 123456",
            "", "Exit codes: 50-67 and 70 mirror the server's problem codes (docs/api.md), 45",
            "local file errors."},
        subcommands = {AssetPutCommand.class, AssetGetCommand.class, AssetLsCommand.class,
            AssetHistoryCommand.class, AssetTransferCommand.class, AssetProofCommand.class, AssetGrantCommand.class,
            AssetRevokeCommand.class, AssetGrantsCommand.class, AssetLocationsCommand.class})
public final class AssetCommand extends GroupCommand {}
