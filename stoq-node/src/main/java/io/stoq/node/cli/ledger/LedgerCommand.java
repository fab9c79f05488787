package io.stoq.node.cli.ledger;

import io.stoq.node.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code stoq ledger}: offline tools over a ledger data directory and proof bundles. */
@Command(
        name = "ledger",
        description = {"Inspect a ledger, check its integrity, export inclusion proofs, and check proofs offline.",
            "Exit codes: 30 malformed input, 33 ledger corrupt/tampered, 34 proof invalid, 35 not found."},
        subcommands = {LedgerShowCommand.class, LedgerVerifyCommand.class, LedgerProveCommand.class, LedgerCheckProofCommand.class,
            LedgerRecoverCommand.class})
public final class LedgerCommand extends GroupCommand {}
