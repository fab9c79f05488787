package io.stoq.ledger.tx;

import io.stoq.ledger.LedgerException;

/** Account roles on the ledger; codes are part of the binary format. */
public enum Role {
    /** May register accounts and nodes and make network txs (key epochs, config, anchors). */
    ADMIN(1),
    /** May create assets and hold and transfer tokens. */
    MEMBER(2);

    private final int code;

    Role(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Role fromCode(int code, CanonicalReader in) throws LedgerException {
        for (Role r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        throw in.malformed("unknown role " + code);
    }
}
