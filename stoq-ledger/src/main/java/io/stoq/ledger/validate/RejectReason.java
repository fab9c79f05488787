package io.stoq.ledger.validate;

/**
 * Why validation refused a transaction. Stable names: they appear in CLI output, API errors and
 * logs, and clients branch on them.
 */
public enum RejectReason {
    /** The tx breaks the schema: bad field value, wrong tx version, size limit exceeded. */
    MALFORMED,
    /** The signature does not verify under the signer key carried in the tx. */
    BAD_SIGNATURE,
    /** The signer key is neither a registered account nor a registered node. */
    UNKNOWN_SIGNER,
    /** The nonce was already used by this signer (a replay or a duplicate). */
    REPLAY,
    /** The nonce skips ahead: nonces are strictly sequential per signer, starting at 1. */
    NONCE_GAP,
    /** The signer is known but its role or holdings do not allow this tx. */
    NOT_AUTHORIZED,
    /** The signer holds no tokens of the asset it tries to transfer. */
    NOT_A_HOLDER,
    /** The transfer moves more tokens than the signer holds. */
    INSUFFICIENT_BALANCE,
    /** The asset id does not exist. */
    UNKNOWN_ASSET,
    /** The asset was deleted (tombstoned); its history is kept but it cannot change. */
    ASSET_DELETED,
    /** The asset, account, node or epoch being created already exists. */
    ALREADY_EXISTS,
    /**
     * An update names a version other than the current version + 1, or a version delete names no
     * earlier version (the current one is deleted with the asset).
     */
    STALE_VERSION,
    /** The recipient account of a transfer is not registered. */
    UNKNOWN_RECIPIENT,
    /** A node referred to is not registered. */
    UNKNOWN_NODE,
    /** The node is revoked. */
    NODE_REVOKED,
    /** A node certificate chain did not validate against the network root at block time. */
    BAD_CERTIFICATE,
    /** A revocation names an account that holds no read grant on the asset. */
    NOT_GRANTED,
    /** A per-asset limit would be exceeded (read grants per asset, {@code Limits.MAX_GRANTS}). */
    LIMIT_EXCEEDED,
    /** A version delete names a version that is deleted already. */
    VERSION_DELETED,
    /** A bucket or object key that the ledger's name index does not hold. */
    UNKNOWN_NAME,
    /** A bucket delete while the bucket still holds object keys. */
    NOT_EMPTY
}
