package io.stoq.ledger.verify;

import io.stoq.crypto.hash.Hash256;

/**
 * The result of re-walking a chain. When {@code ok} is false, {@code firstBadHeight} names the
 * first block that does not check out (or -1 when the problem is not tied to a block, such as an
 * empty store) and {@code reason} says why in one line; {@code damagedFile} names a file RocksDB's
 * checksums refuse (e.g. {@code ledger/000012.sst}), null when none.
 */
public record VerifyReport(boolean ok, long blocks, long txs, long headHeight, Hash256 stateRoot, long firstBadHeight, String reason,
        String damagedFile) {
    static VerifyReport good(long blocks, long txs, long head, Hash256 root) {
        return new VerifyReport(true, blocks, txs, head, root, -1, "ok", null);
    }

    static VerifyReport bad(long blocks, long txs, long head, long badHeight, String reason) {
        return new VerifyReport(false, blocks, txs, head, null, badHeight, reason, null);
    }
}
