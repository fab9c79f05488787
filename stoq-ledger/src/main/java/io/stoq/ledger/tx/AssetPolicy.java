package io.stoq.ledger.tx;

import io.stoq.ledger.LedgerException;

/**
 * Who may update or delete an asset. Transfers are always by a holder of its own tokens; the policy
 * governs changes to the asset itself.
 */
public enum AssetPolicy {
    /** Only the creating account. */
    CREATOR_ONLY(1),
    /** Any account that holds at least one token. */
    ANY_HOLDER(2),
    /** An account holding more than half of the supply. */
    MAJORITY_HOLDER(3);

    private final int code;

    AssetPolicy(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static AssetPolicy fromCode(int code, CanonicalReader in) throws LedgerException {
        for (AssetPolicy p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw in.malformed("unknown asset policy " + code);
    }
}
