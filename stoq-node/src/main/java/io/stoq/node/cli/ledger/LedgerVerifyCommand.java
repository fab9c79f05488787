package io.stoq.node.cli.ledger;

import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoreDamageException;
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
            "stored state, indexes and head with the replay. Before the walk, RocksDB's",
            "checksums of every table are checked, and a damaged log record refuses the",
            "open. Prints the damaged file (ledger/000004.log at byte N, ledger/000012.sst)",
            "or the first bad block and why, and exits 33. Opens the store read-only; run",
            "it on a stopped node or a copy."},
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
        } catch (StoreDamageException e) {
            // RocksDB refuses to open it (a damaged log record, say): nothing to walk.
            if (!common.json) {
                throw e;
            }
            report = new VerifyReport(false, 0, 0, -1, null, -1, e.getMessage(), e.fileName());
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
            json.put("damagedFile", report.damagedFile());
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
