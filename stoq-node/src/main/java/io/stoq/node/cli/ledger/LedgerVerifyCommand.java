package io.stoq.node.cli.ledger;

import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.verify.ChainVerifier;
import io.stoq.ledger.verify.VerifyReport;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq ledger verify DATA_DIR}: re-walks the chain and names the first bad block. */
@Command(
        name = "verify",
        description = {"Re-walk the whole chain and name the first bad block.",
            "Re-walks a ledger from block 0 trusting nothing stored: header links and",
            "signatures, tx merkle roots, every tx's bytes and signature and validity, the",
            "proposer of each block, and the state root after each block; then compares the",
            "stored state, indexes and head with the replay. Prints the first bad block and",
            "why (exit 33). Opens the store read-only; run it on a stopped node or a copy."},
        footer = {"", "Examples:", "  stoq ledger verify data/ledger", "  stoq ledger verify bench-ledger --json"})
public final class LedgerVerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "DATA_DIR", description = "The ledger's RocksDB directory.")
    Path dataDir;

    @Override
    public Integer call() throws LedgerException {
        long start = System.nanoTime();
        VerifyReport report;
        try (LedgerStore store = LedgerStore.openReadOnly(dataDir)) {
            report = new ChainVerifier(store, true).verify();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("ok", report.ok());
            json.put("blocks", report.blocks());
            json.put("txs", report.txs());
            json.put("head", report.headHeight());
            json.put("stateRoot", report.stateRoot() == null ? null : report.stateRoot().toHex());
            json.put("firstBadBlock", report.ok() ? null : report.firstBadHeight());
            json.put("reason", report.reason());
            json.put("seconds", seconds);
            Json.print(out, json);
            return report.ok() ? 0 : LedgerErrorCode.CORRUPT.exitCode();
        }
        if (!report.ok()) {
            throw new LedgerException(LedgerErrorCode.CORRUPT, dataDir + " failed verification: " + report.reason());
        }
        out.printf("OK: %s verified: %d blocks (head %d), %d txs, state root %s (%.2f s)%n", dataDir, report.blocks(),
                report.headHeight(), report.txs(), report.stateRoot().toHex(), seconds);
        out.flush();
        return 0;
    }
}
