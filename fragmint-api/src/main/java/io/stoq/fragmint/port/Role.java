package io.stoq.fragmint.port;

import java.util.Locale;

/**
 * The five roles an account can hold. What each may do is the permission matrix in
 * {@code io.stoq.fragmint.auth.Permission}; the role itself is stored by the node's
 * {@link AccountStore}.
 */
public enum Role {
    /** Everything, including accounts, keys and roles. */
    ADMIN,
    /** Runs the node: nodes, ledger, metrics; reads assets; no writes to other people's assets. */
    OPERATOR,
    /** Creates and updates its own assets, transfers tokens and assets it owns. */
    WRITER,
    /** Reads assets and ledger data. */
    READER,
    /** Reads the audit log, ledger and proofs; never asset content. */
    AUDITOR;

    /** Lower-case wire name ({@code "writer"}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; {@link ApiError#UNPROCESSABLE} when unknown. */
    public static Role fromWire(String name) throws ApiException {
        if (name != null) {
            for (Role r : values()) {
                if (r.wireName().equals(name)) {
                    return r;
                }
            }
        }
        throw new ApiException(ApiError.UNPROCESSABLE, "unknown role '" + name
                + "' (expected admin, operator, writer, reader or auditor)");
    }
}
