package io.stoq.ledger.verify;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.state.MemoryState;
import io.stoq.ledger.state.StateHash;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.store.Head;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.LedgerStore.BlockRecord;
import io.stoq.ledger.store.StoreDamageException;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.Transaction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code stoq ledger verify}: trusts nothing stored. Replays the chain from block 0 into an
 * in-memory state, checking every block with {@link BlockRules} (links, merkle roots, signatures,
 * proposer, every tx valid, state roots) and every stored tx against its id and position; then
 * checks that the head record, the stored state and the index entries equal what the replay
 * produced, and that no tx is stored outside the chain. The first failure, in chain order, is
 * reported with its block height; a stored state or index value that differs is attributed to the
 * last block that wrote that key. Before the walk, RocksDB's checksums of every table are
 * verified ({@link LedgerStore#verifyTables}), naming a damaged file; damage in the write-ahead
 * log is refused earlier, when the store is opened.
 *
 * <p>Memory is O(state + index entries): fine for the ledger sizes this release targets (documented).
 */
public final class ChainVerifier {
    private final LedgerStore store;
    private final boolean parallelSignatures;

    public ChainVerifier(LedgerStore store, boolean parallelSignatures) {
        this.store = store;
        this.parallelSignatures = parallelSignatures;
    }

    /**
     * Checks the store: first RocksDB's own block checksums over every table (a damaged table is
     * named), then the chain re-walk. When a table is damaged the walk still runs, so the report
     * names both the file and, where the damage reaches the chain, the first bad block.
     */
    public VerifyReport verify() throws LedgerException {
        StoreDamageException tableDamage = null;
        try {
            store.verifyTables();
        } catch (StoreDamageException e) {
            tableDamage = e;
        }
        VerifyReport walk;
        try {
            walk = walk();
        } catch (LedgerException e) {
            if (e.code() != LedgerErrorCode.CORRUPT) {
                throw e;
            }
            walk = VerifyReport.bad(0, 0, -1, -1, e.getMessage());
        }
        if (tableDamage == null) {
            return walk;
        }
        String reason = tableDamage.getMessage() + (walk.ok() ? "" : "; the re-walk found: " + walk.reason());
        return new VerifyReport(false, walk.blocks(), walk.txs(), walk.headHeight(), null, walk.ok() ? -1 : walk.firstBadHeight(),
                reason, tableDamage.fileName());
    }

    private VerifyReport walk() throws LedgerException {
        Head head = store.head();
        if (head == null) {
            return VerifyReport.bad(0, 0, -1, -1, "the store has no head record (empty or not a ledger)");
        }
        MemoryState state = new MemoryState();
        StateHash hash = null; // block 0 chooses the chain's format, and with it the set hash's expansion
        NavigableMap<byte[], Long> lastWriter = new TreeMap<>(Arrays::compareUnsigned);
        NavigableMap<byte[], byte[]> expectedIndex = new TreeMap<>(Arrays::compareUnsigned);
        BlockHeader previous = null;
        long txCount = 0;
        for (long h = 0; h <= head.height(); h++) {
            Block block;
            try {
                block = readBlock(h);
            } catch (LedgerException e) {
                return VerifyReport.bad(h, txCount, head.height(), h, "block " + h + ": " + e.getMessage());
            }
            StateMachine.Outcome outcome;
            try {
                outcome = BlockRules.check(block, previous, state, hash, parallelSignatures);
            } catch (LedgerException e) {
                return VerifyReport.bad(h, txCount, head.height(), h, e.getMessage());
            }
            state.apply(outcome.writes().writes());
            for (byte[] key : outcome.writes().writes().keySet()) {
                lastWriter.put(key, h);
            }
            for (int i = 0; i < block.txs().size(); i++) {
                Transaction tx = block.txs().get(i);
                for (byte[] k : Indexes.keysFor(tx, h, i)) {
                    expectedIndex.put(k, tx.id().toBytes());
                }
            }
            hash = outcome.stateHash();
            previous = block.header();
            txCount += block.txs().size();
        }
        long blocks = head.height() + 1;
        if (store.blockRecord(head.height() + 1) != null) {
            return VerifyReport.bad(blocks, txCount, head.height(), head.height() + 1, "block " + (head.height() + 1)
                    + ": stored beyond the head record");
        }
        if (!head.blockHash().equals(previous.hash())) {
            return VerifyReport.bad(blocks, txCount, head.height(), head.height(), "block " + head.height()
                    + ": head record names another block hash");
        }
        if (!Arrays.equals(head.stateHash(), hash.toBytes())) {
            return VerifyReport.bad(blocks, txCount, head.height(), head.height(), "block " + head.height()
                    + ": head record's state accumulator differs from the replay");
        }
        String stateProblem = compare(storedPairs(LedgerStore.Family.STATE), state.pairs(), lastWriter, head.height(), "state");
        if (stateProblem != null) {
            return VerifyReport.bad(blocks, txCount, head.height(), badHeight(stateProblem), stateProblem);
        }
        String indexProblem = compare(storedPairs(LedgerStore.Family.INDEXES), expectedIndex, null, head.height(), "index");
        if (indexProblem != null) {
            return VerifyReport.bad(blocks, txCount, head.height(), badHeight(indexProblem), indexProblem);
        }
        AtomicLong storedTxs = new AtomicLong();
        store.rawScan(LedgerStore.Family.TXS, (k, v) -> storedTxs.incrementAndGet());
        if (storedTxs.get() != txCount) {
            return VerifyReport.bad(blocks, txCount, head.height(), head.height(), "txs column family holds " + storedTxs.get()
                    + " txs but the chain has " + txCount);
        }
        return VerifyReport.good(blocks, txCount, head.height(), hash.root());
    }

    private Block readBlock(long h) throws LedgerException {
        byte[] raw = store.blockRecord(h);
        if (raw == null) {
            throw new LedgerException(io.stoq.ledger.LedgerErrorCode.CORRUPT, "missing from the blocks column family");
        }
        BlockRecord record = BlockRecord.decode(raw);
        BlockHeader header = BlockHeader.decode(record.headerBytes());
        List<Transaction> txs = new ArrayList<>(record.txIds().size());
        for (int i = 0; i < record.txIds().size(); i++) {
            Hash256 id = record.txIds().get(i);
            byte[] txRecord = store.txRecord(id);
            if (txRecord == null) {
                throw new LedgerException(io.stoq.ledger.LedgerErrorCode.CORRUPT, "tx " + id + " is missing");
            }
            CanonicalReader in = new CanonicalReader(txRecord, "tx record " + id);
            long height = in.u64("height");
            int index = in.u32("index");
            byte[] bytes = in.bytes("tx", Limits.MAX_TX_BYTES);
            in.finish();
            if (!Sha3.hash(bytes).equals(id)) {
                throw new LedgerException(io.stoq.ledger.LedgerErrorCode.CORRUPT, "tx " + id + ": stored bytes do not hash to its id");
            }
            if (height != h || index != i) {
                throw new LedgerException(io.stoq.ledger.LedgerErrorCode.CORRUPT, "tx " + id + " is recorded at " + height + "/" + index
                        + ", not " + h + "/" + i);
            }
            txs.add(Transaction.decode(bytes));
        }
        return new Block(header, txs);
    }

    private NavigableMap<byte[], byte[]> storedPairs(LedgerStore.Family family) throws LedgerException {
        NavigableMap<byte[], byte[]> out = new TreeMap<>(Arrays::compareUnsigned);
        store.rawScan(family, out::put);
        return out;
    }

    /** Null when equal, else "block N: ..." for the first differing key. */
    private static String compare(NavigableMap<byte[], byte[]> stored, NavigableMap<byte[], byte[]> expected,
            NavigableMap<byte[], Long> lastWriter, long head, String what) {
        Iterator<Map.Entry<byte[], byte[]>> s = stored.entrySet().iterator();
        Iterator<Map.Entry<byte[], byte[]>> e = expected.entrySet().iterator();
        Map.Entry<byte[], byte[]> a = s.hasNext() ? s.next() : null;
        Map.Entry<byte[], byte[]> b = e.hasNext() ? e.next() : null;
        while (a != null || b != null) {
            int c = a == null ? 1 : b == null ? -1 : Arrays.compareUnsigned(a.getKey(), b.getKey());
            byte[] key = c <= 0 ? a.getKey() : b.getKey();
            long height = writer(lastWriter, key, head);
            if (c < 0) {
                return "block " + height + ": stored " + what + " has key " + hex(key) + " that the replay does not";
            }
            if (c > 0) {
                return "block " + height + ": stored " + what + " lacks key " + hex(key);
            }
            if (!Arrays.equals(a.getValue(), b.getValue())) {
                return "block " + height + ": stored " + what + " value for key " + hex(key) + " differs from the replay";
            }
            a = s.hasNext() ? s.next() : null;
            b = e.hasNext() ? e.next() : null;
        }
        return null;
    }

    private static long writer(NavigableMap<byte[], Long> lastWriter, byte[] key, long head) {
        if (lastWriter == null) {
            // Index keys carry their block height after the 33-byte prefix.
            return key.length >= 41 ? new java.math.BigInteger(1, Arrays.copyOfRange(key, 33, 41)).longValue() : head;
        }
        Long h = lastWriter.get(key);
        return h == null ? head : h;
    }

    private static long badHeight(String problem) {
        return Long.parseLong(problem.substring("block ".length(), problem.indexOf(':')));
    }

    private static String hex(byte[] key) {
        String h = HexFormat.of().formatHex(key);
        return h.length() > 48 ? h.substring(0, 48) + "..." : h;
    }
}
