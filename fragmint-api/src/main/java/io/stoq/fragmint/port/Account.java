package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * An account as stored by the node.
 *
 * @param id account id (lower-case letters, digits, '-', '_', '.'; 1..64 chars)
 * @param role its role
 * @param displayName free text for people
 * @param totpEnrolled whether a TOTP secret is set (sensitive operations need it)
 * @param createdAt creation time
 */
public record Account(String id, Role role, String displayName, boolean totpEnrolled,
        Instant createdAt) {}
