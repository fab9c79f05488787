package io.stoq.node.config;

import java.time.Duration;
import java.util.List;

/**
 * Every configuration key of the node, in one place. Keys are grouped by the part of the node
 * they tune; {@code docs/config.md} is generated from this list ({@code stoq config docs}) and a
 * test fails when the committed file is stale.
 */
public final class NodeConfigKeys {
    private NodeConfigKeys() {}

    // ---- data ----
    public static final ConfigKey<java.nio.file.Path> DATA_DIR = ConfigKey.path("data.dir", "data",
            "Root of everything the node stores (ledger, shards, keys). Relative paths of other keys resolve against it.");

    // ---- node identity ----
    public static final ConfigKey<java.nio.file.Path> NODE_KEYS_DIR = ConfigKey.path("node.keys-dir", "node",
            "Directory with the node's keys from `stoq node keygen`. Passphrase, if any, from $STOQ_NODE_PASSPHRASE.");
    public static final ConfigKey<java.nio.file.Path> NODE_CERTIFICATE = ConfigKey.path("node.certificate", "node/node.crt.pem",
            "The node's certificate chain from `stoq ca issue` (node certificate, then intermediate).");
    public static final ConfigKey<java.nio.file.Path> NODE_ROOT_CERTIFICATE = ConfigKey.path("node.root-certificate", "ca/root.crt.pem",
            "The network's root CA certificate: the trust anchor for every peer and this node.");
    public static final ConfigKey<java.nio.file.Path> NODE_CRL = ConfigKey.path("node.crl", "ca/crl.pem",
            "The network CA's current revocation list (`stoq ca crl`). Proof bundles carry it as revocation evidence; it is re-read "
                    + "for every proof, so a refreshed file counts at once. Missing: bundles carry none and verifiers must bring one.");

    // ---- API ----
    public static final ConfigKey<String> API_HOST = ConfigKey.string("api.host", "127.0.0.1", null,
            "Address the FragMint API binds to (TCP for HTTP/1.1 and HTTP/2, UDP for HTTP/3).");
    public static final ConfigKey<Integer> API_PORT = ConfigKey.integer("api.port", 8080, 0, 65535,
            "API port; HTTP/3 uses the same number on UDP. 0 picks free ports (TCP and UDP may then differ).");
    public static final ConfigKey<Boolean> API_HTTP3 = ConfigKey.bool("api.http3", true,
            "Serve HTTP/3 over QUIC beside HTTP/1.1 and HTTP/2, advertised with Alt-Svc.");
    public static final ConfigKey<DataSize> API_MAX_BODY = ConfigKey.size("api.max-body", "1TiB", DataSize.ofKiB(1), DataSize.parse("16TiB"),
            "Largest asset upload accepted; bigger bodies get 413 before anything is stored.");
    public static final ConfigKey<DataSize> API_MAX_JSON_BODY = ConfigKey.size("api.max-json-body", "1MiB", DataSize.ofKiB(1), DataSize.ofMiB(64),
            "Largest JSON request body (transfers, accounts, keys).");
    public static final ConfigKey<Double> API_RATE_LIMIT = ConfigKey.decimal("api.rate-limit.per-second", 100, 0.1, 1_000_000,
            "Sustained requests per second allowed per credential (token bucket refill rate).");
    public static final ConfigKey<Integer> API_RATE_BURST = ConfigKey.integer("api.rate-limit.burst", 200, 1, 1_000_000,
            "Requests a credential may send in a burst above the sustained rate (token bucket size).");

    // ---- local shard store ----
    public static final ConfigKey<Boolean> STORE_FSYNC = ConfigKey.bool("store.fsync", true,
            "fsync every shard (and its directory entry) before acknowledging it. Turn off only for throwaway benchmarks.");
    public static final ConfigKey<DataSize> STORE_MIN_FREE = ConfigKey.size("store.min-free", "1GiB", DataSize.ofBytes(0), DataSize.parse("1TiB"),
            "Free space kept in reserve on the data disk; a shard write that would eat into it is refused cleanly.");
    public static final ConfigKey<DataSize> STORE_MAX_SHARD = ConfigKey.size("store.max-shard-size", "64MiB", DataSize.ofKiB(4), DataSize.ofGiB(1),
            "Largest single shard the store accepts (shards are read whole to verify before serving).");

    // ---- shard pipeline ----
    public static final ConfigKey<Integer> SHARD_PARALLELISM = ConfigKey.integer("shard.parallelism", 0, 0, 256,
            "Threads compressing, encrypting and hashing shards; 0 means one per CPU core.");

    // ---- ledger ----
    public static final ConfigKey<Integer> LEDGER_MAX_BLOCK_TXS = ConfigKey.integer("ledger.max-block-txs", 1000, 1, 100_000,
            "Most transactions committed in one block (one synced RocksDB write batch).");
    public static final ConfigKey<Duration> LEDGER_BLOCK_INTERVAL = ConfigKey.duration("ledger.block-interval", "50ms",
            Duration.ofMillis(1), Duration.ofSeconds(10),
            "Longest a transaction waits for more to group-commit with before its block is cut.");

    // ---- auth: second factor ----
    public static final ConfigKey<Integer> AUTH_TOTP_MAX_FAILURES = ConfigKey.integer("auth.totp.max-failures", 5, 1, 100,
            "Wrong TOTP codes an account may send within auth.totp.failure-window; then its TOTP is locked (429).");
    public static final ConfigKey<Duration> AUTH_TOTP_FAILURE_WINDOW = ConfigKey.duration("auth.totp.failure-window", "15m",
            Duration.ofMinutes(1), Duration.ofDays(1),
            "Window in which wrong TOTP codes are counted, from the first one.");
    public static final ConfigKey<Duration> AUTH_TOTP_LOCKOUT = ConfigKey.duration("auth.totp.lockout", "5m",
            Duration.ofSeconds(1), Duration.ofDays(1),
            "First TOTP lockout period; each further lockout before a code is accepted doubles it.");
    public static final ConfigKey<Duration> AUTH_TOTP_MAX_LOCKOUT = ConfigKey.duration("auth.totp.max-lockout", "24h",
            Duration.ofMinutes(1), Duration.ofDays(30),
            "Longest TOTP lockout period (the doubling stops here); an admin can lift a lockout at any time.");
    public static final ConfigKey<Duration> AUTH_ENROLLMENT_CODE_LIFETIME = ConfigKey.duration("auth.enrollment-code-lifetime", "1h",
            Duration.ofMinutes(1), Duration.ofDays(7),
            "Validity of a one-time TOTP enrollment code that an admin creates for an account.");

    // ---- audit log ----
    public static final ConfigKey<Duration> AUDIT_RETENTION = ConfigKey.duration("audit.retention", "90d",
            Duration.ofDays(1), Duration.ofDays(3650),
            "Audit records older than this are pruned (checked hourly).");
    public static final ConfigKey<Integer> AUDIT_MAX_SOURCES = ConfigKey.integer("audit.max-sources", 1024, 1, 1_000_000,
            "Source addresses whose unauthenticated denials are counted apart per minute; the rest count as 'other'.");

    /** Every key, in documentation order. */
    public static final List<ConfigKey<?>> ALL = List.of(
            DATA_DIR,
            NODE_KEYS_DIR, NODE_CERTIFICATE, NODE_ROOT_CERTIFICATE, NODE_CRL,
            API_HOST, API_PORT, API_HTTP3, API_MAX_BODY, API_MAX_JSON_BODY, API_RATE_LIMIT, API_RATE_BURST,
            STORE_FSYNC, STORE_MIN_FREE, STORE_MAX_SHARD,
            SHARD_PARALLELISM,
            LEDGER_MAX_BLOCK_TXS, LEDGER_BLOCK_INTERVAL,
            AUTH_TOTP_MAX_FAILURES, AUTH_TOTP_FAILURE_WINDOW, AUTH_TOTP_LOCKOUT, AUTH_TOTP_MAX_LOCKOUT,
            AUTH_ENROLLMENT_CODE_LIFETIME,
            AUDIT_RETENTION, AUDIT_MAX_SOURCES);
}
