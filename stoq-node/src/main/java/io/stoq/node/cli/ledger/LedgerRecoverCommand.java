package io.stoq.node.cli.ledger;

import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.LedgerRecovery;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stoq ledger recover DATA_DIR --truncate-to HEIGHT}: the explicit, recorded way out of a
 * damaged ledger (see {@link LedgerRecovery}). Asks for the height again on a terminal unless
 * {@code --yes}; without a terminal it refuses unless {@code --yes}.
 */
@Command(
        name = "recover",
        description = {"Keep blocks 0..HEIGHT of a damaged ledger and drop the rest, on record.",
            "For a ledger that a node refuses or `stoq ledger verify` fails: rebuilds",
            "blocks 0..HEIGHT from what RocksDB can still replay, re-checking every block,",
            "into a new store that replaces the old one. The old directory is kept whole",
            "beside it, and ledger-recovery.log records what was dropped.",
            "Stop the node first. Asks you to type HEIGHT again unless --yes.",
            "Blocks dropped here are lost unless a backup or replica has them, and the",
            "next node start removes the shards only they referenced."},
        footer = {"", "Examples:", "  stoq ledger recover data/ledger --truncate-to 41",
            "  stoq ledger recover data/ledger --truncate-to 41 --yes --json"})
public final class LedgerRecoverCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "DATA_DIR", description = "The ledger's RocksDB directory (the node stopped).")
    Path dataDir;

    @Option(names = "--truncate-to", paramLabel = "HEIGHT", required = true, description = "The last block to keep.")
    long truncateTo;

    @Option(names = "--yes", description = "Do not ask for confirmation (scripts).")
    boolean yes;

    @Override
    public Integer call() throws LedgerException {
        PrintWriter out = spec.commandLine().getOut();
        LedgerRecovery.Plan plan = LedgerRecovery.plan(dataDir, truncateTo);
        if (!yes) {
            confirm(plan, out);
        }
        String operator = System.getProperty("user.name", "unknown");
        LedgerRecovery.Result r = LedgerRecovery.execute(plan, Instant.now(), operator);
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("ledger", dataDir.toString());
            json.put("keptThrough", r.head());
            json.put("headHash", r.headHash().toHex());
            json.put("stateRoot", r.stateRoot().toHex());
            List<Map<String, Object>> dropped = new ArrayList<>();
            for (LedgerRecovery.Dropped d : plan.dropped()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("height", d.height());
                m.put("hash", d.hash() == null ? null : d.hash().toHex());
                dropped.add(m);
            }
            json.put("dropped", dropped);
            json.put("damage", plan.damage());
            json.put("keptAside", r.keptAside().toString());
            json.put("record", r.record().toString());
            Json.print(out, json);
        } else {
            out.print(LedgerRecovery.describe(plan, Instant.now(), operator, r.keptAside(), r.headHash()));
            out.printf("recorded in %s; check the result with: stoq ledger verify %s%n", r.record(), dataDir);
            out.flush();
        }
        return 0;
    }

    private void confirm(LedgerRecovery.Plan plan, PrintWriter out) throws LedgerException {
        Console console = System.console();
        if (console == null) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, "refusing to drop blocks without confirmation: run it on a terminal "
                    + "or pass --yes");
        }
        out.printf("%s is damaged: %s%n", plan.dir(), plan.damage());
        out.printf("Keeping blocks 0..%d; dropping %d block(s) RocksDB can still replay%s.%n", plan.keepThrough(), plan.dropped().size(),
                plan.dropped().isEmpty() ? "" : " (" + plan.dropped().get(0).height() + ".." + plan.lastReplayable() + ")");
        out.flush();
        String answer = console.readLine("Type %d to go ahead: ", plan.keepThrough());
        if (answer == null || !answer.trim().equals(Long.toString(plan.keepThrough()))) {
            throw new LedgerException(LedgerErrorCode.CONFLICT, "not confirmed; nothing changed");
        }
    }
}
