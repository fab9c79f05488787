package io.stoq.node.assets;

import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.Role;
import java.util.Collection;

/**
 * Who may see and who may change one asset, decided from the ledger (docs/security-access.md):
 * the owner (holder of the asset's token), accounts holding a live read grant (ledger state),
 * admins, and auditors (metadata, history and proof only). A caller who may not see the asset
 * gets exactly the NOT_FOUND a missing asset gets, so asset ids are no existence oracle; one who
 * may see it but not change it gets FORBIDDEN on writes. Stateless.
 */
final class AssetAccess {
    private AssetAccess() {}

    /** How a caller sees an asset, strongest first. */
    enum Level {
        /** Holds the asset: reads, changes, grants. */
        OWNER,
        /** An admin on someone else's asset: everything the owner may do (the API audits it). */
        ADMIN,
        /** Holds a live read grant: reads content, metadata, history (its own grant entries), proofs. */
        GRANTEE,
        /** Reads metadata, history and proofs of every asset; never content. */
        AUDITOR;

        /** Whether this level may change the asset (update, transfer, delete, grant, revoke). */
        boolean mayChange() {
            return this == OWNER || this == ADMIN;
        }
    }

    /** The caller's level, or null when it may not see the asset at all. */
    static Level of(Caller caller, String owner, Collection<String> grantees) {
        if (caller.accountId().equals(owner)) {
            return Level.OWNER;
        }
        if (caller.isAdmin()) {
            return Level.ADMIN;
        }
        if (grantees.contains(caller.accountId())) {
            return Level.GRANTEE;
        }
        return caller.role() == Role.AUDITOR ? Level.AUDITOR : null;
    }

    /** The answer for an asset the caller may not see: the same as for an id that does not exist. */
    static NodeException hidden(String id) {
        return new NodeException(NodeErrorCode.NOT_FOUND, "asset " + id + " not found");
    }

    /** FORBIDDEN unless {@code level} may change the asset. */
    static void requireChange(Level level, String id) throws NodeException {
        if (!level.mayChange()) {
            throw new NodeException(NodeErrorCode.NOT_PERMITTED, "asset " + id + " belongs to another account: only its owner may "
                    + "change it or decide who reads it");
        }
    }

    /** FORBIDDEN for an auditor: it sees metadata, history and proofs, never content. */
    static void requireContent(Level level, String id) throws NodeException {
        if (level == Level.AUDITOR) {
            throw new NodeException(NodeErrorCode.NOT_PERMITTED, "auditors see the metadata, history and proof of asset " + id
                    + ", never its content");
        }
    }
}
