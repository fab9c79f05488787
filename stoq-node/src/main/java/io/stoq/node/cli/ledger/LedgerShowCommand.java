package io.stoq.node.cli.ledger;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.store.Head;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.Transaction;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq ledger show}: read a block, a tx, an asset's history or an account's txs (read-only). */
@Command(
        name = "show",
        description = {"Show the head block, a block, a tx, an asset's history or an account's txs.",
            "Shows the head block (default), one block, one tx, an asset's history and",
            "ownership chain, or the txs of an account, from the ledger's indexes. Ids are 64",
            "hex digits; account ids are SHA3-256 of the key's SPKI. Use it to find the TX to",
            "pass to `stoq ledger prove`."},
        footer = {"", "Examples:", "  stoq ledger show data/ledger", "  stoq ledger show data/ledger --block 12",
            "  stoq ledger show data/ledger --asset 9c1e...44 --json", "  stoq ledger show data/ledger --account 51ab...0f"})
public final class LedgerShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "DATA_DIR", description = "The ledger's RocksDB directory.")
    Path dataDir;

    @ArgGroup(exclusive = true)
    Selector selector;

    static final class Selector {
        @Option(names = "--block", paramLabel = "HEIGHT", description = "Show the block at this height.")
        Long block;

        @Option(names = "--tx", paramLabel = "ID", description = "Show one tx and where it sits.")
        String tx;

        @Option(names = "--asset", paramLabel = "ID", description = "Show an asset's history and ownership chain.")
        String asset;

        @Option(names = "--account", paramLabel = "ID", description = "Show the txs an account signed or received.")
        String account;
    }

    @Override
    public Integer call() throws LedgerException {
        Map<String, Object> json = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        try (LedgerStore store = LedgerStore.openReadOnly(dataDir)) {
            Head head = store.head();
            if (head == null) {
                throw new LedgerException(LedgerErrorCode.NOT_FOUND, dataDir + " holds no ledger (no head record)");
            }
            if (selector == null || selector.block != null) {
                long height = selector == null ? head.height() : selector.block;
                if (height < 0 || height > head.height()) {
                    throw new LedgerException(LedgerErrorCode.NOT_FOUND, "no block " + height + " (head is " + head.height() + ")");
                }
                Block block = store.block(height);
                describe(block.header(), json, lines);
                List<Map<String, Object>> txs = new ArrayList<>();
                for (Transaction tx : block.txs()) {
                    txs.add(txJson(tx));
                    lines.add("  tx " + tx.id().toHex() + "  " + tx.type() + " by " + tx.signer().toHex().substring(0, 16));
                }
                json.put("txs", txs);
            } else if (selector.tx != null) {
                StoredTx stored = store.tx(id(selector.tx, "--tx"));
                if (stored == null) {
                    throw new LedgerException(LedgerErrorCode.NOT_FOUND, "tx " + selector.tx + " is not in this ledger");
                }
                json.putAll(txJson(stored.tx()));
                json.put("block", stored.height());
                json.put("index", stored.index());
                lines.add("tx " + stored.tx().id().toHex() + ": " + stored.tx().type() + " by " + stored.tx().signer().toHex()
                        + ", nonce " + stored.tx().nonce() + ", in block " + stored.height() + " at index " + stored.index());
            } else if (selector.asset != null) {
                Hash256 asset = id(selector.asset, "--asset");
                json.put("asset", asset.toHex());
                json.put("history", list(store, store.indexed(Indexes.ASSET_HISTORY, asset), "history", lines));
                json.put("ownership", list(store, store.indexed(Indexes.OWNERSHIP, asset), "ownership", lines));
            } else {
                Hash256 account = id(selector.account, "--account");
                json.put("account", account.toHex());
                json.put("txs", list(store, store.indexed(Indexes.ACCOUNT, account), "tx", lines));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, json);
        } else {
            lines.forEach(out::println);
            out.flush();
        }
        return 0;
    }

    private static void describe(BlockHeader h, Map<String, Object> json, List<String> lines) {
        json.put("height", h.height());
        json.put("version", h.format().headerVersion());
        json.put("hash", h.hash().toHex());
        json.put("previousHash", h.previousHash().toHex());
        json.put("txRoot", h.txRoot().toHex());
        json.put("stateRoot", h.stateRoot().toHex());
        json.put("time", h.time().toString());
        json.put("proposer", h.proposer().toHex());
        lines.add("block " + h.height() + " " + h.hash().toHex() + " (header version " + h.format().headerVersion() + ")");
        lines.add("  time " + h.time() + ", " + h.txCount() + " txs, proposer " + h.proposer().toHex().substring(0, 16));
        lines.add("  previous " + h.previousHash().toHex());
        lines.add("  tx root " + h.txRoot().toHex() + ", state root " + h.stateRoot().toHex());
    }

    private static Map<String, Object> txJson(Transaction tx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", tx.id().toHex());
        m.put("type", tx.type().name());
        m.put("signer", tx.signer().toHex());
        m.put("algorithm", tx.algorithm().id());
        m.put("nonce", tx.nonce());
        return m;
    }

    private static List<Map<String, Object>> list(LedgerStore store, List<Hash256> ids, String label, List<String> lines)
            throws LedgerException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Hash256 id : ids) {
            StoredTx t = store.tx(id);
            if (t == null) {
                throw new LedgerException(LedgerErrorCode.CORRUPT, "index names tx " + id + " that is not stored; run `stoq ledger verify`");
            }
            Map<String, Object> m = txJson(t.tx());
            m.put("block", t.height());
            out.add(m);
            lines.add(label + " " + id.toHex() + "  block " + t.height() + "  " + t.tx().type() + " by "
                    + t.tx().signer().toHex().substring(0, 16));
        }
        if (ids.isEmpty()) {
            lines.add(label + ": none");
        }
        return out;
    }

    private static Hash256 id(String hex, String option) throws LedgerException {
        try {
            return Hash256.ofHex(hex);
        } catch (IllegalArgumentException e) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, option + " must be 64 hex digits, got '" + hex + "'");
        }
    }
}
