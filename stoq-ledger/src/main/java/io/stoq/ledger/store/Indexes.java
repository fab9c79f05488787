package io.stoq.ledger.store;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.util.ArrayList;
import java.util.List;

/**
 * Secondary index keys (the {@code indexes} column family). Each key ends with the tx's height and
 * index, so a prefix scan returns entries in chain order; the value is the tx id.
 *
 * <pre>
 * 0x01 asset(32)   u64 height u32 index -> tx id   asset history: create, update, delete, location proofs, read grants/revokes
 * 0x02 asset(32)   u64 height u32 index -> tx id   ownership chain: create (mint) and transfers
 * 0x03 account(32) u64 height u32 index -> tx id   txs by account: as signer, transfer recipient or grantee
 * </pre>
 */
public enum Indexes {
    ASSET_HISTORY(0x01),
    OWNERSHIP(0x02),
    ACCOUNT(0x03);

    private final int tag;

    Indexes(int tag) {
        this.tag = tag;
    }

    /** The scan prefix for {@code subject} (an asset id or account id). */
    public byte[] prefix(Hash256 subject) {
        return new CanonicalWriter().u8(tag).hash(subject).toBytes();
    }

    byte[] key(Hash256 subject, long height, int index) {
        return new CanonicalWriter().u8(tag).hash(subject).u64(height).u32(index).toBytes();
    }

    /** Every index key a committed tx produces. */
    public static List<byte[]> keysFor(Transaction tx, long height, int index) {
        List<byte[]> keys = new ArrayList<>(4);
        keys.add(ACCOUNT.key(tx.signer(), height, index));
        TxBody body = tx.body();
        if (body instanceof TxBody.AssetCreate c) {
            keys.add(ASSET_HISTORY.key(c.assetId(), height, index));
            keys.add(OWNERSHIP.key(c.assetId(), height, index));
        } else if (body instanceof TxBody.AssetUpdate u) {
            keys.add(ASSET_HISTORY.key(u.assetId(), height, index));
        } else if (body instanceof TxBody.AssetDelete d) {
            keys.add(ASSET_HISTORY.key(d.assetId(), height, index));
        } else if (body instanceof TxBody.LocationProof p) {
            keys.add(ASSET_HISTORY.key(p.assetId(), height, index));
        } else if (body instanceof TxBody.TokenTransfer t) {
            keys.add(OWNERSHIP.key(t.assetId(), height, index));
            keys.add(ACCOUNT.key(t.to(), height, index));
        } else if (body instanceof TxBody.ReadGrant g) {
            keys.add(ASSET_HISTORY.key(g.assetId(), height, index));
            keys.add(ACCOUNT.key(g.grantee(), height, index));
        } else if (body instanceof TxBody.ReadRevoke r) {
            keys.add(ASSET_HISTORY.key(r.assetId(), height, index));
            keys.add(ACCOUNT.key(r.grantee(), height, index));
        } else if (body instanceof TxBody.AssetVersionDelete d) {
            keys.add(ASSET_HISTORY.key(d.assetId(), height, index));
        }
        return keys;
    }
}
