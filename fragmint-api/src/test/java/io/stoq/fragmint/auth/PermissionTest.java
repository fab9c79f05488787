package io.stoq.fragmint.auth;

import static io.stoq.fragmint.auth.Permission.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.port.Role;
import org.junit.jupiter.api.Test;

/** Pins the role matrix (docs/api.md shows the same table): a change here must be deliberate. */
class PermissionTest {
    @Test
    void matrix() {
        assertThat(Permission.of(Role.ADMIN)).containsExactlyInAnyOrder(Permission.values());
        assertThat(Permission.of(Role.OPERATOR)).containsExactlyInAnyOrder(ASSET_READ, ASSET_CONTENT_READ, PROOF_READ,
                TOKEN_READ, LEDGER_READ, NODE_READ, METRICS_READ, EVENTS_SUBSCRIBE, ACCOUNT_READ, SELF_SERVICE);
        assertThat(Permission.of(Role.WRITER)).containsExactlyInAnyOrder(ASSET_READ, ASSET_CONTENT_READ, ASSET_GRANT,
                ASSET_WRITE, ASSET_TRANSFER, ASSET_DELETE, PROOF_READ, TOKEN_READ, TOKEN_TRANSFER, LEDGER_READ,
                EVENTS_SUBSCRIBE, SELF_SERVICE);
        assertThat(Permission.of(Role.READER)).containsExactlyInAnyOrder(ASSET_READ, ASSET_CONTENT_READ, PROOF_READ,
                TOKEN_READ, LEDGER_READ, EVENTS_SUBSCRIBE, SELF_SERVICE);
        assertThat(Permission.of(Role.AUDITOR)).containsExactlyInAnyOrder(ASSET_READ, PROOF_READ, TOKEN_READ,
                LEDGER_READ, NODE_READ, AUDIT_READ, EVENTS_SUBSCRIBE, ACCOUNT_READ, SELF_SERVICE);
    }

    @Test
    void auditorNeverReadsContentAndOnlyAdminManagesOthers() {
        // The auditor sees metadata, history and proofs, never bytes (the node filters per asset).
        assertThat(ASSET_READ.grantedTo(Role.AUDITOR)).isTrue();
        assertThat(PROOF_READ.grantedTo(Role.AUDITOR)).isTrue();
        assertThat(ASSET_CONTENT_READ.grantedTo(Role.AUDITOR)).isFalse();
        for (Role r : Role.values()) {
            assertThat(KEY_ADMIN.grantedTo(r)).isEqualTo(r == Role.ADMIN);
            assertThat(ACCOUNT_ADMIN.grantedTo(r)).isEqualTo(r == Role.ADMIN);
            assertThat(NETWORK_ADMIN.grantedTo(r)).isEqualTo(r == Role.ADMIN);
            // Only roles that can own assets (make or change them) hand out read access.
            assertThat(ASSET_GRANT.grantedTo(r)).isEqualTo(ASSET_WRITE.grantedTo(r));
        }
    }
}
