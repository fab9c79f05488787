package io.stoq.ledger.tx;

import io.stoq.ledger.LedgerException;

/** Kinds of ledger transaction; {@link #code()} is part of the binary format and never reused. */
public enum TxType {
    /** Block 0 only: network name, admin accounts, network root certificate. */
    GENESIS(0),
    /** An admin registers an account key with a role. */
    ACCOUNT_REGISTER(1),
    /** A member creates an asset and is minted all of its ownership tokens. */
    ASSET_CREATE(2),
    /** New asset version with a new manifest root. */
    ASSET_UPDATE(3),
    /** Moves ownership tokens (whole or fractional) from the signer to another account. */
    TOKEN_TRANSFER(4),
    /** Tombstones an asset; its history stays. */
    ASSET_DELETE(5),
    /** An admin admits a node with its CA-issued certificate chain. */
    NODE_REGISTER(6),
    /** An admin revokes a node. */
    NODE_REVOKE(7),
    /** A node states, once per asset version, which shard hashes it holds. */
    LOCATION_PROOF(8),
    /** An admin publishes a new data-key epoch. */
    KEY_EPOCH(9),
    /** An admin sets a network configuration value. */
    CONFIG_CHANGE(10),
    /** An admin records another network's block hash and state root. */
    CROSS_NETWORK_ANCHOR(11),
    /** The asset's owner lets another account read the asset (content, metadata, history). */
    READ_GRANT(12),
    /** The asset's owner takes a read grant back. */
    READ_REVOKE(13),
    /** Deletes one earlier version of an asset (its content); the current version and the history stay. */
    ASSET_VERSION_DELETE(14),
    /** An admin writes a revision of an API account's record (role, API key hashes, sealed secrets): network-wide accounts. */
    ACCOUNT_RECORD(15),
    /** An admin re-wraps asset versions' keys to a newer data-key epoch (rotation); shard ciphertext is untouched. */
    KEY_REWRAP(16),
    /** An account creates an S3 bucket (a name space of object keys) and owns it. */
    BUCKET_CREATE(17),
    /** A bucket's owner (or an admin) deletes an empty bucket. */
    BUCKET_DELETE(18),
    /** A bucket's owner (or an admin) binds an object key to an asset, or unbinds it (zero asset id). */
    NAME_BIND(19),
    /** A member node seals data-key epochs to a node registered after they were made (its ML-KEM key, as its certificate binds). */
    KEY_SHARE(20);

    private final int code;

    TxType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static TxType fromCode(int code, CanonicalReader in) throws LedgerException {
        for (TxType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw in.malformed("unknown tx type " + code);
    }
}
