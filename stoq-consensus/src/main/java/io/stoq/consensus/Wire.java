package io.stoq.consensus;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.validate.RejectReason;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes stoq puts through Ratis, each starting with {@code u8 version (1) | u8 kind}:
 *
 * <pre>
 *   BLOCK    (1)  bytes header | u32 n | n x bytes tx        a Raft log entry, and the write request that proposes it
 *   SUBMIT   (2)  u32 n | n x bytes tx                       txs handed to the leader (a read-only request: it is no log entry)
 *   OUTCOMES (3)  u32 n | n x (32 tx id | u8 status | u64 height+1 | string reason | string message)
 *   APPLIED  (4)  bool appended | u64 height                  the reply to a BLOCK once every replica's apply decided it
 * </pre>
 *
 * Integers are big-endian, {@code bytes} and {@code string} are u32-length-prefixed (stoq-ledger's
 * canonical codec), the header and txs in their canonical encodings. An unknown version or kind,
 * a count over the block limit or trailing bytes are MALFORMED. Stateless.
 */
final class Wire {
    static final int VERSION = 1;
    static final int BLOCK = 1;
    static final int SUBMIT = 2;
    static final int OUTCOMES = 3;
    static final int APPLIED = 4;
    /** Longest header encoding accepted: key, signature and fixed fields. */
    private static final int MAX_HEADER_BYTES = Limits.MAX_KEY_BYTES + Limits.MAX_SIGNATURE_BYTES + 256;

    private Wire() {}

    static byte[] block(Block block) {
        CanonicalWriter w = new CanonicalWriter().u8(VERSION).u8(BLOCK).bytes(block.header().encode()).u32(block.txs().size());
        for (Transaction tx : block.txs()) {
            w.bytes(tx.encoded());
        }
        return w.toBytes();
    }

    static byte[] submit(List<Transaction> txs) {
        CanonicalWriter w = new CanonicalWriter().u8(VERSION).u8(SUBMIT).u32(txs.size());
        for (Transaction tx : txs) {
            w.bytes(tx.encoded());
        }
        return w.toBytes();
    }

    static byte[] outcomes(List<TxOutcome> outcomes) {
        CanonicalWriter w = new CanonicalWriter().u8(VERSION).u8(OUTCOMES).u32(outcomes.size());
        for (TxOutcome o : outcomes) {
            w.hash(o.txId()).u8(o.status().ordinal()).u64(o.height() + 1).string(o.reason() == null ? "" : o.reason().name())
                    .string(o.message());
        }
        return w.toBytes();
    }

    static byte[] applied(boolean appended, long height) {
        return new CanonicalWriter().u8(VERSION).u8(APPLIED).bool(appended).u64(height).toBytes();
    }

    /** The kind of a message (after checking its version), without decoding the rest. */
    static int kind(byte[] bytes) throws ConsensusException {
        if (bytes.length < 2) {
            throw new ConsensusException(ConsensusErrorCode.MALFORMED, "a consensus message of " + bytes.length + " bytes");
        }
        if ((bytes[0] & 0xFF) != VERSION) {
            throw new ConsensusException(ConsensusErrorCode.MALFORMED, "consensus message version " + (bytes[0] & 0xFF)
                    + " is not supported (this stoq speaks version " + VERSION + ")");
        }
        return bytes[1] & 0xFF;
    }

    static Block decodeBlock(byte[] bytes) throws ConsensusException {
        return decodeBlock(bytes, hash -> null);
    }

    /**
     * As {@link #decodeBlock(byte[])}, except that an entry whose bytes are exactly the encoding of
     * {@code known}'s block for its header hash (the leader's own proposal) is not decoded again:
     * decoding checks and hashes every tx, which on the leader took a twentieth of its CPU for
     * blocks it had built itself.
     */
    static Block decodeBlock(byte[] bytes, java.util.function.Function<io.stoq.crypto.hash.Hash256, Block> known)
            throws ConsensusException {
        CanonicalReader in = reader(bytes, BLOCK, "block entry");
        try {
            BlockHeader header = BlockHeader.decode(in.bytes("header", MAX_HEADER_BYTES));
            Block own = known.apply(header.hash());
            if (own != null && java.util.Arrays.equals(bytes, block(own))) {
                return own;
            }
            List<Transaction> txs = txs(in);
            in.finish();
            return new Block(header, txs);
        } catch (LedgerException e) {
            throw malformed(e);
        }
    }

    static List<Transaction> decodeSubmit(byte[] bytes) throws ConsensusException {
        CanonicalReader in = reader(bytes, SUBMIT, "submit request");
        try {
            List<Transaction> txs = txs(in);
            in.finish();
            return txs;
        } catch (LedgerException e) {
            throw malformed(e);
        }
    }

    static List<TxOutcome> decodeOutcomes(byte[] bytes) throws ConsensusException {
        CanonicalReader in = reader(bytes, OUTCOMES, "submit reply");
        try {
            int n = in.count("outcomes", Limits.MAX_BLOCK_TXS);
            List<TxOutcome> out = new ArrayList<>(n);
            TxOutcome.Status[] statuses = TxOutcome.Status.values();
            for (int i = 0; i < n; i++) {
                Hash256 id = in.hash("tx id");
                int status = in.u8("status");
                if (status >= statuses.length) {
                    throw in.malformed("unknown tx status " + status);
                }
                long height = in.u64("height") - 1;
                String reason = in.string("reason", Limits.MAX_NAME_BYTES);
                String message = in.string("message", 4096);
                RejectReason r;
                try {
                    r = reason.isEmpty() ? null : RejectReason.valueOf(reason);
                } catch (IllegalArgumentException e) {
                    throw in.malformed("unknown reject reason " + reason);
                }
                out.add(new TxOutcome(id, statuses[status], height, r, message));
            }
            in.finish();
            return out;
        } catch (LedgerException e) {
            throw malformed(e);
        }
    }

    /** {@code [appended (0/1), height]} of an APPLIED reply. */
    static long[] decodeApplied(byte[] bytes) throws ConsensusException {
        CanonicalReader in = reader(bytes, APPLIED, "apply reply");
        try {
            long[] out = {in.bool("appended") ? 1 : 0, in.u64("height")};
            in.finish();
            return out;
        } catch (LedgerException e) {
            throw malformed(e);
        }
    }

    private static List<Transaction> txs(CanonicalReader in) throws LedgerException {
        int n = in.count("txs", Limits.MAX_BLOCK_TXS);
        List<Transaction> txs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            txs.add(Transaction.decode(in.bytes("tx", Limits.MAX_TX_BYTES)));
        }
        return txs;
    }

    private static CanonicalReader reader(byte[] bytes, int expected, String what) throws ConsensusException {
        int kind = kind(bytes);
        if (kind != expected) {
            throw new ConsensusException(ConsensusErrorCode.MALFORMED, what + " expected, got message kind " + kind);
        }
        CanonicalReader in = new CanonicalReader(bytes, what);
        try {
            in.u8("version");
            in.u8("kind");
        } catch (LedgerException e) {
            throw malformed(e);
        }
        return in;
    }

    private static ConsensusException malformed(LedgerException e) {
        return new ConsensusException(ConsensusErrorCode.MALFORMED, e.getMessage(), e);
    }
}
