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
 * 0x04 zero(32)    u64 height u32 index -> tx id   key epochs: every KEY_EPOCH and KEY_SHARE tx (subject {@link #KEY_EPOCH_SUBJECT})
 * 0x05 H(id)(32)   u64 height u32 index -> tx id   one API account's records (ACCOUNT_RECORD, subject SHA3-256 of its id)
 * 0x06 zero(32)    u64 height u32 index -> tx id   every ACCOUNT_RECORD tx (subject {@link #KEY_EPOCH_SUBJECT})
 * 0x07 asset(32)   u64 height u32 index -> tx id   an asset's KEY_REWRAP txs (key rotation re-wraps)
 * </pre>
 */
public enum Indexes {
    ASSET_HISTORY(0x01),
    OWNERSHIP(0x02),
    ACCOUNT(0x03),
    /** Every KEY_EPOCH and KEY_SHARE tx, under {@link #KEY_EPOCH_SUBJECT}: a node finds an epoch's shares without a chain walk. */
    KEY_EPOCHS(0x04),
    /** One API account's ACCOUNT_RECORD txs, under {@link #accountSubject}. */
    ACCOUNT_RECORDS(0x05),
    /** Every ACCOUNT_RECORD tx, under {@link #KEY_EPOCH_SUBJECT} (the zero subject): the account list. */
    ALL_ACCOUNT_RECORDS(0x06),
    /** An asset's KEY_REWRAP txs: a read finds its version's newer key wraps without a chain walk. */
    KEY_REWRAPS(0x07);

    /** The subject of an API account's records in {@link #ACCOUNT_RECORDS}. */
    public static Hash256 accountSubject(String accountId) {
        return io.stoq.crypto.hash.Sha3.hash(accountId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }


    /** The one subject of {@link #KEY_EPOCHS} (32 zero bytes). */
    public static final Hash256 KEY_EPOCH_SUBJECT = Hash256.of(new byte[32]);

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
        } else if (body instanceof TxBody.AccountRecord r) {
            keys.add(ACCOUNT_RECORDS.key(accountSubject(r.accountId()), height, index));
            keys.add(ALL_ACCOUNT_RECORDS.key(KEY_EPOCH_SUBJECT, height, index));
        } else if (body instanceof TxBody.KeyRewrap w) {
            keys.add(KEY_REWRAPS.key(w.assetId(), height, index));
        } else if (body instanceof TxBody.KeyEpoch || body instanceof TxBody.KeyShare) {
            keys.add(KEY_EPOCHS.key(KEY_EPOCH_SUBJECT, height, index));
        } else if (body instanceof TxBody.ReadRevoke r) {
            keys.add(ASSET_HISTORY.key(r.assetId(), height, index));
            keys.add(ACCOUNT.key(r.grantee(), height, index));
        } else if (body instanceof TxBody.AssetVersionDelete d) {
            keys.add(ASSET_HISTORY.key(d.assetId(), height, index));
        }
        return keys;
    }
}
