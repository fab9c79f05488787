package io.stoq.fragmint.auth;

import io.stoq.fragmint.port.Role;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * What a route needs, and the explicit role-to-permission matrix (docs/api.md shows the same table;
 * {@code PermissionTest} pins it so a change is always deliberate).
 *
 * <pre>
 *                      admin operator writer reader auditor
 *  ASSET_READ            x      x       x      x       x      list, metadata, history (per asset: see below)
 *  ASSET_CONTENT_READ    x      x       x      x              download (per asset: see below)
 *  ASSET_GRANT           x              x                      grant (+ TOTP), revoke, list grants; owner
 *  ASSET_WRITE           x              x                      create, update (owner)
 *  ASSET_TRANSFER        x              x                      + TOTP, owner
 *  ASSET_DELETE          x              x                      + TOTP, owner
 *  PROOF_READ            x      x       x      x       x
 *  TOKEN_READ            x      x       x      x       x
 *  TOKEN_TRANSFER        x              x                      + TOTP
 *  LEDGER_READ           x      x       x      x       x
 *  NODE_READ             x      x                      x
 *  METRICS_READ          x      x
 *  AUDIT_READ            x                             x
 *  EVENTS_SUBSCRIBE      x      x       x      x       x      (filtered per event category)
 *  ACCOUNT_READ          x      x                      x
 *  ACCOUNT_ADMIN         x                                    + TOTP (create account, set role)
 *  KEY_ADMIN             x                                    + TOTP (keys of any account)
 *  SELF_SERVICE          x      x       x      x       x      own session, own keys, own TOTP
 *  NETWORK_ADMIN         x                                    + TOTP (key epoch rotation)
 * </pre>
 *
 * <p>A role's asset permissions say what it may do to assets it may see; which assets those are
 * is decided per asset by the node's {@code AssetService}: the owner, accounts holding a read
 * grant, and admins (audited). Auditors see metadata, history and proofs of every asset but hold
 * no ASSET_CONTENT_READ, so never its bytes.
 */
public enum Permission {
    ASSET_READ, ASSET_WRITE, ASSET_TRANSFER, ASSET_DELETE, PROOF_READ,
    TOKEN_READ, TOKEN_TRANSFER, LEDGER_READ, NODE_READ, METRICS_READ, AUDIT_READ,
    EVENTS_SUBSCRIBE, ACCOUNT_READ, ACCOUNT_ADMIN, KEY_ADMIN, SELF_SERVICE,
    ASSET_CONTENT_READ, ASSET_GRANT, NETWORK_ADMIN;

    private static final Map<Role, Set<Permission>> MATRIX = Map.of(
            Role.ADMIN, EnumSet.allOf(Permission.class),
            Role.OPERATOR, EnumSet.of(ASSET_READ, ASSET_CONTENT_READ, PROOF_READ, TOKEN_READ,
                    LEDGER_READ, NODE_READ, METRICS_READ, EVENTS_SUBSCRIBE, ACCOUNT_READ, SELF_SERVICE),
            Role.WRITER, EnumSet.of(ASSET_READ, ASSET_CONTENT_READ, ASSET_GRANT, ASSET_WRITE,
                    ASSET_TRANSFER, ASSET_DELETE, PROOF_READ, TOKEN_READ, TOKEN_TRANSFER, LEDGER_READ,
                    EVENTS_SUBSCRIBE, SELF_SERVICE),
            Role.READER, EnumSet.of(ASSET_READ, ASSET_CONTENT_READ, PROOF_READ, TOKEN_READ,
                    LEDGER_READ, EVENTS_SUBSCRIBE, SELF_SERVICE),
            Role.AUDITOR, EnumSet.of(ASSET_READ, PROOF_READ, TOKEN_READ, LEDGER_READ, NODE_READ,
                    AUDIT_READ, EVENTS_SUBSCRIBE, ACCOUNT_READ, SELF_SERVICE));

    /** Whether {@code role} holds this permission. */
    public boolean grantedTo(Role role) {
        return MATRIX.get(role).contains(this);
    }

    /** Every permission of {@code role} (a copy). */
    public static Set<Permission> of(Role role) {
        return EnumSet.copyOf(MATRIX.get(role));
    }
}
