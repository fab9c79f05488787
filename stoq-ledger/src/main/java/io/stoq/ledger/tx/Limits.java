package io.stoq.ledger.tx;

/** Schema and size limits the codec enforces; exceeding one is a MALFORMED tx, never a crash. */
public final class Limits {
    /** Whole encoded transaction. */
    public static final int MAX_TX_BYTES = 256 * 1024;
    /** Encoded public key (ML-DSA-65 SPKI is ~1.97 KiB, SLH-DSA smaller, Falcon-1024 ~1.8 KiB). */
    public static final int MAX_KEY_BYTES = 4096;
    /** An account record (ACCOUNT_RECORD): role, API key hashes, sealed TOTP and custodial keys. */
    public static final int MAX_ACCOUNT_RECORD_BYTES = 64 * 1024;
    /** A signature (SLH-DSA-128s is ~7.9 KiB, 128f ~17 KiB). */
    public static final int MAX_SIGNATURE_BYTES = 32 * 1024;
    /** Names, node ids, config keys and values. */
    public static final int MAX_NAME_BYTES = 256;
    /** Free-form asset metadata per version. */
    public static final int MAX_METADATA_BYTES = 4096;
    /** Shard hashes in one location proof. */
    public static final int MAX_SHARDS = 4096;
    /**
     * Location proofs one node commits for one asset version: the first, then one per repair that
     * brings it copies it did not hold (each lists new hashes; the same list twice is refused).
     */
    public static final int MAX_LOCATION_PROOFS = 256;
    /** Certificates in one chain, and bytes per certificate. */
    public static final int MAX_CHAIN = 4;
    public static final int MAX_CERT_BYTES = 16 * 1024;
    /** Admins at genesis, node shares per key epoch. */
    public static final int MAX_LIST = 256;
    /** Live read grants on one asset (they are one state value, rewritten per grant). */
    public static final int MAX_GRANTS = 1024;
    /** Transactions in one block. */
    public static final int MAX_BLOCK_TXS = 10_000;

    /** An S3 bucket name (3..63 characters, checked by the validator). */
    public static final int MAX_BUCKET_BYTES = 63;
    /** An S3 object key: up to 1,024 bytes of UTF-8 (kept as bytes). */
    public static final int MAX_OBJECT_KEY_BYTES = 1024;
    /** Opaque per-binding object attributes (S3 ETag, user metadata). */
    public static final int MAX_OBJECT_ATTRIBUTES_BYTES = 4096;

    private Limits() {}
}
