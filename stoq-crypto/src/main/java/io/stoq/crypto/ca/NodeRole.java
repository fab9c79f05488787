package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What a node may do in the network; certified by the CA in the node certificate. */
public enum NodeRole {
    /** Stores shards and answers audits. */
    STORAGE,
    /** Votes in ledger consensus (Raft). */
    VOTER,
    /** Serves the FragMint API to applications. */
    GATEWAY;

    /** Lower-case wire/CLI name. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static NodeRole parse(String name) throws CryptoException {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    "unknown node role '" + name.trim() + "' (known: storage, voter, gateway)");
        }
    }

    /** Parses a comma-separated list such as {@code storage,voter}. */
    public static Set<NodeRole> parseList(String csv) throws CryptoException {
        Set<NodeRole> roles = EnumSet.noneOf(NodeRole.class);
        for (String part : csv.split(",")) {
            if (!part.isBlank()) {
                roles.add(parse(part));
            }
        }
        if (roles.isEmpty()) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "a node needs at least one role");
        }
        return roles;
    }
}
