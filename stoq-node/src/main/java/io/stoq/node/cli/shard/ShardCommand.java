package io.stoq.node.cli.shard;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code stoq shard}: look at how a file would be sharded, and encode/decode assets by hand. */
@Command(
        name = "shard",
        mixinStandardHelpOptions = true,
        description = {"Content-aware sharding of files into encrypted, verifiable shards.",
            "FastCDC 2020 chunking snapped to natural boundaries, per-shard zstd and",
            "AES-256-GCM, a SHA3-256 merkle tree and an SLH-DSA-signed manifest."},
        subcommands = {InspectCommand.class, EncodeCommand.class, DecodeCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
            "  stoq shard inspect data.csv --against data-v2.csv",
            "  stoq shard inspect photo.jpg --chunker fastcdc \\",
            "      --min 4096 --avg 16384 --max 65535 --json",
            "  stoq shard encode big.bin --out big.shards",
            "  stoq shard decode big.shards --out big.copy",
            "", "Exit codes: 20 bad argument, 21 malformed manifest, 22 bad signature, 23 shard",
            "hash mismatch, 24 bad proof, 25 missing shard, 26 truncated shard, 27 wrong key,",
            "28 I/O error, 29 corrupt content. See docs/shard.md."})
public final class ShardCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
