package io.stoq.fragmint.port;

/**
 * Who is making a request, as established by the auth layer before any port is called.
 *
 * @param accountId the authenticated account
 * @param role the account's role at the time of the request
 * @param credentialId the API key id or session id used (for audit)
 * @param secondFactor true when a valid TOTP was presented with this request or its session
 */
public record Caller(String accountId, Role role, String credentialId, boolean secondFactor) {
    /** True when this caller may act on any account's assets (admin override). */
    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
