package io.stoq.node.config;

import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.DataSize;

import io.stoq.quic.QuicTransport;
import java.time.Duration;
import java.util.List;

/**
 * Every configuration key of the node, in one place. Keys are grouped by the part of the node
 * they tune; {@code docs/config.md} is generated from this list ({@code stoq config docs}) and a
 * test fails when the committed file is stale.
 */
public final class NodeConfigKeys {
    private NodeConfigKeys() {}

    /** host:port, the host an IPv4 literal, a bracketed IPv6 literal or a DNS name. */
    private static final String ADDRESS = "(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}";
    /** Zero or more {@link #ADDRESS}es separated by commas. */
    private static final String ADDRESS_LIST = "(\\s*" + ADDRESS + "\\s*(,\\s*" + ADDRESS + "\\s*)*)?";
    /** node-id@ip:port, comma-separated (raft.voters, raft.listeners). */
    private static final String RAFT_PEER = "[A-Za-z0-9._-]+@" + ADDRESS;
    private static final String RAFT_PEER_LIST = "(\\s*" + RAFT_PEER + "\\s*(,\\s*" + RAFT_PEER + "\\s*)*)?";

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

    // ---- API: TLS ----
    public static final ConfigKey<java.util.Optional<java.nio.file.Path>> API_TLS_CERTIFICATE = ConfigKey.optionalPath("api.tls.certificate",
            "PEM certificate chain (server certificate first) for HTTPS on TCP and for HTTP/3. Unset: plain HTTP on TCP, "
                    + "and HTTP/3 uses a self-signed certificate kept in DATA/tls (made once).");
    public static final ConfigKey<java.util.Optional<java.nio.file.Path>> API_TLS_PRIVATE_KEY = ConfigKey.optionalPath("api.tls.private-key",
            "PEM private key of api.tls.certificate (PKCS#8, or traditional RSA / EC, unencrypted; keep it 0600).");
    public static final ConfigKey<Boolean> API_ALLOW_INSECURE = ConfigKey.bool("api.allow-insecure", false,
            "Allow plain HTTP on an api.host other than loopback (for a TLS proxy in front). Otherwise such a node refuses to start.");

    // ---- API: resource limits ----
    public static final ConfigKey<Integer> API_MAX_CONNECTIONS = ConfigKey.integer("api.max-connections", 4096, 1, 1_000_000,
            "Open TCP and QUIC connections in total; more are closed at once.");
    public static final ConfigKey<Integer> API_MAX_CONNECTIONS_PER_IP = ConfigKey.integer("api.max-connections-per-ip", 128, 1, 1_000_000,
            "Open connections per client address (an IPv6 client counts by its /64); more are closed at once.");
    public static final ConfigKey<Integer> API_MAX_STREAMS = ConfigKey.integer("api.max-streams-per-connection", 100, 1, 10_000,
            "Concurrent HTTP/2 streams and HTTP/3 request streams per connection.");
    public static final ConfigKey<DataSize> API_MAX_HEADER_SIZE = ConfigKey.size("api.max-header-size", "16KiB", DataSize.ofKiB(1), DataSize.ofMiB(1),
            "Largest request header block; bigger ones get 431.");
    public static final ConfigKey<Duration> API_HEADER_TIMEOUT = ConfigKey.duration("api.header-timeout", "10s",
            Duration.ofMillis(100), Duration.ofMinutes(10),
            "Time a client has to send a request head (and, on a new connection, to finish its TLS handshake) before it is disconnected.");
    public static final ConfigKey<Duration> API_WRITE_STALL_TIMEOUT = ConfigKey.duration("api.write-stall-timeout", "30s",
            Duration.ofMillis(100), Duration.ofHours(1),
            "A response is cut when the client has not read any of it for this long.");
    public static final ConfigKey<DataSize> API_UPLOAD_MIN_RATE = ConfigKey.size("api.upload-min-rate", "64KiB", DataSize.ofBytes(1), DataSize.ofGiB(1),
            "Least bytes a request body must bring in each api.upload-min-rate-window; a slower one is cut with 400.");
    public static final ConfigKey<Duration> API_UPLOAD_MIN_RATE_WINDOW = ConfigKey.duration("api.upload-min-rate-window", "20s",
            Duration.ofMillis(100), Duration.ofHours(1),
            "The fixed window the minimum request body rate is measured over (it does not restart on each byte).");
    public static final ConfigKey<Duration> API_IDLE_TIMEOUT = ConfigKey.duration("api.idle-timeout", "5m",
            Duration.ofSeconds(1), Duration.ofDays(1),
            "A connection with no traffic for this long is closed (also QUIC's idle timeout).");
    public static final ConfigKey<Integer> API_WORKERS = ConfigKey.integer("api.workers", 32, 2, 1024,
            "Threads running API requests (queue 16 per thread, then 503). Downloads never hold one while a client is slow.");
    public static final ConfigKey<Integer> API_UPLOAD_WORKERS = ConfigKey.integer("api.upload-workers", 32, 1, 1024,
            "Threads running asset uploads, apart from api.workers, since an upload waits on its client (queue 4 per thread, then 503). "
            + "An upload holds its thread while it waits for its fsyncs and its ledger block, so this bounds how many uploads are "
            + "group-committed together; memory is bounded by shard.memory-budget, not by this.");

    // ---- local shard store ----
    public static final ConfigKey<Boolean> STORE_FSYNC = ConfigKey.bool("store.fsync", true,
            "fsync every shard (and its directory entry) before acknowledging it. Turn off only for throwaway benchmarks.");
    public static final ConfigKey<DataSize> STORE_MIN_FREE = ConfigKey.size("store.min-free", "1GiB", DataSize.ofBytes(0), DataSize.parse("1TiB"),
            "Free space kept in reserve on the data disk; a shard write that would eat into it is refused cleanly.");
    public static final ConfigKey<DataSize> STORE_MAX_SHARD = ConfigKey.size("store.max-shard-size", "64MiB", DataSize.ofKiB(4), DataSize.ofGiB(1),
            "Largest single shard the store accepts (shards are read whole to verify before serving).");
    public static final ConfigKey<DataSize> STORE_SMALL_SHARD_MAX = ConfigKey.size("store.small-shard-max", "64KiB", DataSize.ofBytes(0),
            DataSize.ofMiB(1),
            "Shards and manifests up to this size are kept in RocksDB (shards/small), made durable by one fsync per group of "
                    + "concurrent uploads instead of one per file; 0 keeps every shard as a file.");

    // ---- shard pipeline ----
    public static final ConfigKey<Integer> SHARD_PARALLELISM = ConfigKey.integer("shard.parallelism", 0, 0, 256,
            "Threads compressing, encrypting and hashing shards; 0 means one per CPU core.");
    public static final ConfigKey<DataSize> SHARD_MEMORY_BUDGET = ConfigKey.size("shard.memory-budget", "0", DataSize.ofBytes(0), DataSize.parse("64GiB"),
            "Bytes all uploads' in-flight shards and downloads' read-ahead may hold together; uploads wait when it is spent. The chunkers' read buffers (about 8MiB per upload chunking, reused) get a second budget of the same size. 0 means an eighth of the JVM's maximum heap (at least 16MiB, at most 1GiB).");
    public static final ConfigKey<DataSize> SHARD_MAX_AVERAGE_CHUNK = ConfigKey.powerOfTwoSize("shard.max-average-chunk", "1MiB",
            DataSize.ofKiB(64), DataSize.ofMiB(4),
            "Largest average chunk this node cuts a file into. Files are cut by their size (about 256 chunks, 256KiB to 4MiB on "
                    + "average, docs/shard.md); this caps it. Each upload being chunked buffers about 8 times this value, so a "
                    + "smaller one lowers the memory per upload, at the price of more, smaller shards (each a file and two fsyncs).");
    public static final ConfigKey<Integer> SHARD_READ_AHEAD = ConfigKey.integer("shard.read-ahead", 4, 1, 64,
            "Shards a download fetches, verifies, decrypts and decompresses ahead of the one being sent.");
    public static final ConfigKey<Duration> STORE_DELETED_RETENTION = ConfigKey.duration("store.deleted-retention", "1d",
            Duration.ZERO, Duration.ofDays(3650),
            "How long the shards of a deleted asset are kept before the storage sweep frees them.");
    public static final ConfigKey<Duration> STORE_SWEEP_INTERVAL = ConfigKey.duration("store.sweep-interval", "1h",
            Duration.ofSeconds(1), Duration.ofDays(30),
            "Time between storage sweeps, which free shards no live version, recent deletion or upload in progress needs.");

    // ---- ledger ----
    public static final ConfigKey<String> LEDGER_MODE = ConfigKey.string("ledger.mode", "local", "local|raft",
            "Who orders the ledger's blocks. local: this node alone (a one-node network). raft: the network's voters through "
                    + "Raft (raft.* keys); every node then holds the same ledger.");
    public static final ConfigKey<String> RAFT_VOTERS = ConfigKey.string("raft.voters", "", RAFT_PEER_LIST,
            "ledger.mode=raft: the voters of the Raft group, as node-id@ip:port (comma-separated), this node included if it "
                    + "votes. Every node of the network lists the same voters and listeners.");
    public static final ConfigKey<String> RAFT_LISTENERS = ConfigKey.string("raft.listeners", "", RAFT_PEER_LIST,
            "ledger.mode=raft: non-voting members (node-id@ip:port, comma-separated); they apply every block but do not vote "
                    + "or lead. This node is a listener when it is listed here and not among raft.voters.");
    public static final ConfigKey<java.nio.file.Path> RAFT_DIR = ConfigKey.path("raft.dir", "raft",
            "ledger.mode=raft: where Raft keeps its log, term and snapshots (the ledger itself stays in DATA/ledger).");
    public static final ConfigKey<Duration> RAFT_ELECTION_TIMEOUT_MIN = ConfigKey.duration("raft.election-timeout-min", "1s",
            Duration.ofMillis(50), Duration.ofMinutes(1),
            "ledger.mode=raft: shortest wait without a leader's heartbeat before a voter stands for election.");
    public static final ConfigKey<Duration> RAFT_ELECTION_TIMEOUT_MAX = ConfigKey.duration("raft.election-timeout-max", "2s",
            Duration.ofMillis(100), Duration.ofMinutes(2),
            "ledger.mode=raft: longest such wait; each voter picks at random between min and max. Must exceed "
                    + "raft.election-timeout-min.");
    public static final ConfigKey<java.util.Optional<java.nio.file.Path>> NETWORK_ADMIN_KEY_FILE = ConfigKey.optionalPath(
            "network.admin-key-file",
            "The network's first admin API key, as `stoq network init` wrote it (admin.key). Set on one node (the first "
                    + "voter): once the ledger is up, that node makes the network's `admin` account with this key unless the "
                    + "ledger already has one, and writes the admin's one-time TOTP enrollment code to DATA/dev-admin.enrollment-code. "
                    + "A missing file is skipped. Empty: no admin is made (a production node otherwise has none).");
    public static final ConfigKey<String> RAFT_FOUNDERS = ConfigKey.string("raft.founders", "", null,
            "ledger.mode=raft, first voter only, read once when the network's ledger is created: a directory of node "
                    + "certificate chains (*.pem, leaf first) registered in the setup block beside this node's, so those voters may "
                    + "lead from the start. Empty: only this node; others join by registration.");
    public static final ConfigKey<Integer> RAFT_SUBMIT_RETRIES = ConfigKey.integer("raft.submit-retries", 5, 0, 100,
            "ledger.mode=raft: how often a write whose block lost to another leader, or whose nonce another node took, is "
                    + "signed again and resubmitted before it fails as never committed.");
    public static final ConfigKey<String> RAFT_ADDRESS = ConfigKey.string("raft.address", "", "(" + ADDRESS + ")?",
            "ledger.mode=raft, a node in neither raft.voters nor raft.listeners: the ip:port its Raft server listens on. Such a "
                    + "node joins the group: it asks a member (discovery.seeds) to register it and add it as raft.role.");
    public static final ConfigKey<String> RAFT_ROLE = ConfigKey.string("raft.role", "voter", "voter|listener",
            "ledger.mode=raft, a joining node (raft.address): whether it asks to vote or only to listen. A voter seat is "
                    + "granted while the group has fewer than raft.max-voters voters; past that the node joins as a listener.");
    public static final ConfigKey<Integer> RAFT_MAX_VOTERS = ConfigKey.integer("raft.max-voters", 5, 1, 15,
            "ledger.mode=raft, on members: most voters the group admits by registration; further nodes join as listeners "
                    + "(more voters make every commit wait for more nodes).");
    public static final ConfigKey<Boolean> RAFT_LEADER_SIGNING = ConfigKey.bool("raft.leader-signing", true,
            "ledger.mode=raft: followers send writes of keys every node holds (operator, network accounts) to the leader to sign, "
                    + "so concurrent writes of one account through several nodes never race for its nonces (a leader that cannot "
                    + "sign for that key refuses, and the follower signs itself). Off: each node signs itself and such races are "
                    + "settled by re-signing (raft.submit-retries).");
    public static final ConfigKey<Integer> LEDGER_MAX_BLOCK_TXS = ConfigKey.integer("ledger.max-block-txs", 1000, 1, 100_000,
            "Most transactions committed in one block (one synced RocksDB write batch).");
    public static final ConfigKey<Duration> LEDGER_BLOCK_INTERVAL = ConfigKey.duration("ledger.block-interval", "5ms",
            Duration.ofMillis(1), Duration.ofSeconds(10),
            "Longest a transaction waits for more to group-commit with before its block is cut. Under load blocks grow by "
                    + "themselves: whatever queued while the previous block was written goes into the next one at once.");
    public static final ConfigKey<Duration> LEDGER_COMMIT_TIMEOUT = ConfigKey.duration("ledger.commit-timeout", "2m",
            Duration.ofMillis(100), Duration.ofHours(1),
            "Longest a write waits for its block. If the writer has not taken it by then it is withdrawn (never committed "
                    + "later) and the client gets 503; if its block is being written, the client gets 503 and the outcome "
                    + "settles in the ledger.");

    // ---- manifest signing ----
    public static final ConfigKey<Duration> MANIFEST_SEAL_INTERVAL = ConfigKey.duration("manifest.seal-interval", "1s",
            Duration.ofMillis(1), Duration.ofHours(1),
            "Manifests are sealed after their upload's ledger commit: the bodies committed within this interval of the oldest "
                    + "waiting one share one SLH-DSA signature (~36 ms each). Uploads do not wait for it.");
    public static final ConfigKey<Integer> MANIFEST_BATCH_MAX = ConfigKey.integer("manifest.batch-max", 4096, 1, 65536,
            "Most manifests one seal signature covers; a batch this full is sealed at once.");
    public static final ConfigKey<DataSize> MANIFEST_SEAL_QUEUE_MAX = ConfigKey.size("manifest.seal-queue-max", "16MiB",
            DataSize.ofKiB(64), DataSize.ofGiB(1),
            "Bytes of committed manifest bodies waiting for their seal; uploads wait (after their commit) while it is full.");

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

    // ---- peer transport (stoq-net: QUIC, ALPN stoq/1, Falcon handshake) ----
    public static final ConfigKey<Boolean> PEER_ENABLED = ConfigKey.bool("peer.enabled", true,
            "Run the STOQ peer transport and discovery. Off: the node talks to no other node (a single-node network).");
    public static final ConfigKey<String> PEER_BIND = ConfigKey.string("peer.bind", "0.0.0.0:7443", ADDRESS,
            "UDP address:port (IP literal) the peer transport listens on; port 0 picks a free one. Any address is fine: "
                    + "peers authenticate with their Falcon certificates, never by address.");
    public static final ConfigKey<DataSize> PEER_MAX_FRAME_SIZE = ConfigKey.size("peer.max-frame-size", "256KiB",
            DataSize.ofBytes(64 * 1024 + 64), DataSize.ofMiB(16),
            "Largest frame payload accepted from a peer; a larger declared length closes that stream.");
    public static final ConfigKey<Duration> PEER_HANDSHAKE_TIMEOUT = ConfigKey.duration("peer.handshake-timeout", "10s",
            Duration.ofMillis(100), Duration.ofMinutes(5),
            "From QUIC connect until the Falcon authentication has finished both ways; slower peers are cut off.");
    public static final ConfigKey<Duration> PEER_IDLE_TIMEOUT = ConfigKey.duration("peer.idle-timeout", "60s",
            Duration.ofSeconds(1), Duration.ofHours(1),
            "QUIC idle timeout: a peer connection with no packet for this long is dropped.");
    public static final ConfigKey<Duration> PEER_REQUEST_TIMEOUT = ConfigKey.duration("peer.request-timeout", "30s",
            Duration.ofMillis(100), Duration.ofHours(1),
            "Longest a peer request may go without progress (no frame sent or received) before it fails with TIMEOUT.");
    public static final ConfigKey<Integer> PEER_MAX_STREAMS = ConfigKey.integer("peer.max-streams-per-connection", 64, 2, 4096,
            "Concurrent requests (QUIC bidirectional streams) a peer may open on one connection.");
    public static final ConfigKey<Integer> PEER_MAX_CONNECTIONS = ConfigKey.integer("peer.max-connections", 1024, 1, 65536,
            "Peer connections in total, both directions, authenticated or not.");
    public static final ConfigKey<Integer> PEER_MAX_CONNECTIONS_PER_PEER = ConfigKey.integer("peer.max-connections-per-peer", 4, 1, 64,
            "Connections to or from one authenticated node.");
    public static final ConfigKey<Integer> PEER_MAX_HANDSHAKES_PER_ADDRESS = ConfigKey.integer("peer.max-handshakes-per-address", 8,
            1, 1024, "Unauthenticated peer connections from one IP address at once.");
    public static final ConfigKey<Integer> PEER_WORKER_THREADS = ConfigKey.integer("peer.worker-threads", 16, 1, 1024,
            "Threads running peer requests (shard reads and writes, gossip) and the handshake's signatures.");
    public static final ConfigKey<Integer> PEER_WORKER_QUEUE = ConfigKey.integer("peer.worker-queue", 256, 0, 65536,
            "Peer requests waiting for a worker; beyond it a request is answered BUSY at once.");
    public static final ConfigKey<DataSize> PEER_STREAM_WINDOW = ConfigKey.size("peer.stream-window", "4MiB",
            DataSize.ofKiB(64), DataSize.ofMiB(256), "QUIC flow-control window per stream.");
    public static final ConfigKey<DataSize> PEER_CONNECTION_WINDOW = ConfigKey.size("peer.connection-window", "16MiB",
            DataSize.ofKiB(64), DataSize.ofGiB(1), "QUIC flow-control window per connection; at least peer.stream-window.");
    public static final ConfigKey<Integer> PEER_MAX_UDP_PAYLOAD = ConfigKey.integer("peer.max-udp-payload",
            QuicTransport.AUTO_MAX_UDP_PAYLOAD, QuicTransport.AUTO_MAX_UDP_PAYLOAD, QuicTransport.MAX_UDP_PAYLOAD,
            "Largest QUIC packet (UDP payload bytes) a peer connection grows to by path MTU discovery, with don't-fragment "
                    + "set (Linux's native transport only). 0: " + QuicTransport.LOOPBACK_UDP_PAYLOAD + " when peer.bind is a "
                    + "loopback address, else " + QuicTransport.BASE_UDP_PAYLOAD + "; " + QuicTransport.BASE_UDP_PAYLOAD
                    + ": no discovery; more (8972 on a jumbo-frame LAN) only for paths known to carry it.");
    public static final ConfigKey<Boolean> PEER_NATIVE_TRANSPORT = ConfigKey.bool("peer.native-transport", true,
            "Peers: Linux's epoll UDP socket with GSO/GRO (many packets per syscall) where available; false forces Java NIO "
                    + "(1350-byte packets, one syscall each; peer.max-udp-payload then has no effect).");
    public static final ConfigKey<DataSize> PEER_SOCKET_BUFFER = ConfigKey.size("peer.socket-buffer", "4MiB",
            DataSize.ofKiB(64), DataSize.ofMiB(64), "UDP socket send and receive buffers of the peer transport.");

    // ---- discovery and health ----
    public static final ConfigKey<String> DISCOVERY_SEEDS = ConfigKey.string("discovery.seeds", "", ADDRESS_LIST,
            "Peers (address:port, comma-separated) dialled until gossip has found members. Empty: this node waits to be found.");
    public static final ConfigKey<String> DISCOVERY_ADVERTISE = ConfigKey.string("discovery.advertise", "", ADDRESS_LIST,
            "Addresses (IP literal:port, comma-separated, at most 8) this node's signed record announces to peers. Empty: "
                    + "peer.bind with its bound port, or this host's first non-loopback address when peer.bind is a wildcard.");
    public static final ConfigKey<Duration> DISCOVERY_GOSSIP_INTERVAL = ConfigKey.duration("discovery.gossip-interval", "2s",
            Duration.ofMillis(50), Duration.ofMinutes(10),
            "How often this node exchanges signed node records with discovery.fanout random members.");
    public static final ConfigKey<Duration> DISCOVERY_HEARTBEAT_INTERVAL = ConfigKey.duration("discovery.heartbeat-interval", "1s",
            Duration.ofMillis(50), Duration.ofMinutes(10), "How often each member is pinged (RTT and liveness).");
    public static final ConfigKey<Duration> DISCOVERY_SUSPECT_AFTER = ConfigKey.duration("discovery.suspect-after", "5s",
            Duration.ofMillis(50), Duration.ofHours(1),
            "Silence after which a member is shown suspect; at least discovery.heartbeat-interval.");
    public static final ConfigKey<Duration> DISCOVERY_DEAD_AFTER = ConfigKey.duration("discovery.dead-after", "15s",
            Duration.ofMillis(50), Duration.ofDays(1),
            "Silence after which a member is shown dead; at least discovery.suspect-after.");
    public static final ConfigKey<Integer> DISCOVERY_MAX_RECORDS = ConfigKey.integer("discovery.max-records", 1024, 1, 65536,
            "Most nodes kept in the membership (and so in GET /v1/nodes and /metrics); records of further nodes are refused.");
    public static final ConfigKey<Integer> DISCOVERY_FANOUT = ConfigKey.integer("discovery.fanout", 3, 1, 32,
            "Members gossiped with per round.");

    public static final ConfigKey<Boolean> S3_ENABLED = ConfigKey.bool("s3.enabled", false,
            "Serve the S3-compatible gateway (docs/s3.md) on its own port beside the FragMint API.");
    public static final ConfigKey<String> S3_HOST = ConfigKey.string("s3.host", "127.0.0.1", null,
            "Address the S3 gateway binds to (plain HTTP only on loopback unless api.allow-insecure, as the API).");
    public static final ConfigKey<Integer> S3_PORT = ConfigKey.integer("s3.port", 9000, 0, 65535,
            "S3 gateway TCP port (HTTPS with the api.tls.* certificate when set). 0 picks a free port.");
    public static final ConfigKey<String> S3_DOMAIN = ConfigKey.string("s3.domain", "", null,
            "Base domain for virtual-hosted style (bucket.s3.example.com); empty serves path style only.");
    public static final ConfigKey<String> S3_REGION = ConfigKey.string("s3.region", "us-east-1", "[a-z0-9-]{1,32}",
            "Region the gateway answers for (GetBucketLocation; clients sign with it).");
    public static final ConfigKey<Duration> S3_MAX_SKEW = ConfigKey.duration("s3.max-clock-skew", "15m", Duration.ofSeconds(30),
            Duration.ofHours(1), "Largest difference between a signed S3 request's time and the node's clock (AWS: 15 minutes).");
    public static final ConfigKey<Integer> S3_WORKERS = ConfigKey.integer("s3.workers", 32, 1, 1024,
            "Threads running S3 requests (an upload holds one while its body arrives).");
    public static final ConfigKey<Integer> S3_MAX_CONNECTIONS = ConfigKey.integer("s3.max-connections", 512, 1, 100_000,
            "Open S3 gateway connections at most; more are closed on accept.");

    // ---- repair and shard audits ----
    public static final ConfigKey<Duration> REPAIR_GRACE = ConfigKey.duration("repair.grace", "10m", Duration.ofSeconds(1),
            Duration.ofDays(7),
            "How long a holder may be unreachable before its copies count as lost and are restored on other nodes.");
    public static final ConfigKey<Duration> REPAIR_INTERVAL = ConfigKey.duration("repair.interval", "30s", Duration.ofMillis(100),
            Duration.ofHours(24), "Time between repair passes over the shards this node is the repair owner of.");
    public static final ConfigKey<DataSize> REPAIR_MAX_RATE = ConfigKey.size("repair.max-bytes-per-second", "32MiB",
            DataSize.ofKiB(64), DataSize.ofGiB(10),
            "Shard bytes repair and audits may move per second on this node (fetched plus pushed), so client traffic is not starved.");
    public static final ConfigKey<Duration> REPAIR_AUDIT_INTERVAL = ConfigKey.duration("repair.audit-interval", "1m",
            Duration.ofMillis(100), Duration.ofDays(1), "Time between audit rounds: each challenges the holders of a few shards "
                    + "this node owns to hash a random range with a fresh nonce.");
    public static final ConfigKey<Integer> REPAIR_AUDITS_PER_PEER = ConfigKey.integer("repair.audits-per-peer", 2, 0, 1000,
            "Challenges sent to one peer per audit round at most (0 turns audits off).");
    public static final ConfigKey<DataSize> REPAIR_AUDIT_RANGE = ConfigKey.size("repair.audit-range", "64KiB", DataSize.ofBytes(1),
            DataSize.ofMiB(1), "Largest byte range one audit challenge asks a peer to hash.");
    public static final ConfigKey<DataSize> API_QUIC_MAX_STREAM_DATA = ConfigKey.size("api.quic.max-stream-data", "4MiB",
            DataSize.ofKiB(64), DataSize.ofMiB(256),
            "HTTP/3: bytes a client may send on one request stream before the node has read them (QUIC stream window).");
    public static final ConfigKey<DataSize> API_QUIC_MAX_DATA = ConfigKey.size("api.quic.max-data", "16MiB",
            DataSize.ofKiB(64), DataSize.ofGiB(1),
            "HTTP/3: unread bytes per connection (QUIC connection window, at least api.quic.max-stream-data); "
                    + "the node holds at most this times the open connections.");
    public static final ConfigKey<String> API_QUIC_CONGESTION_CONTROL = ConfigKey.string("api.quic.congestion-control", "cubic",
            "cubic|bbr|reno", "HTTP/3: congestion controller for what the node sends (downloads).");
    public static final ConfigKey<Boolean> API_QUIC_NATIVE_TRANSPORT = ConfigKey.bool("api.quic.native-transport", true,
            "HTTP/3: Linux's epoll UDP socket with GSO/GRO (many packets per syscall) where available; false forces Java NIO.");
    public static final ConfigKey<Integer> API_QUIC_MAX_UDP_PAYLOAD = ConfigKey.integer("api.quic.max-udp-payload",
            ApiServerConfig.Quic.AUTO_MAX_UDP_PAYLOAD, ApiServerConfig.Quic.AUTO_MAX_UDP_PAYLOAD, QuicTransport.MAX_UDP_PAYLOAD,
            "HTTP/3: largest QUIC packet (UDP payload bytes) a connection grows to by path MTU discovery, with "
                    + "don't-fragment set (native transport only). 0: " + QuicTransport.LOOPBACK_UDP_PAYLOAD
                    + " when api.host is a loopback address, else " + QuicTransport.BASE_UDP_PAYLOAD + "; "
                    + QuicTransport.BASE_UDP_PAYLOAD + ": no discovery; more only for paths known to carry it (a path "
                    + "narrower than the limit ends at 1200).");

    /** Every key, in documentation order. */
    public static final List<ConfigKey<?>> ALL = List.of(
            DATA_DIR,
            NODE_KEYS_DIR, NODE_CERTIFICATE, NODE_ROOT_CERTIFICATE, NODE_CRL,
            API_HOST, API_PORT, API_HTTP3, API_MAX_BODY, API_MAX_JSON_BODY, API_RATE_LIMIT, API_RATE_BURST,
            API_TLS_CERTIFICATE, API_TLS_PRIVATE_KEY, API_ALLOW_INSECURE,
            API_MAX_CONNECTIONS, API_MAX_CONNECTIONS_PER_IP, API_MAX_STREAMS, API_MAX_HEADER_SIZE, API_HEADER_TIMEOUT,
            API_WRITE_STALL_TIMEOUT, API_UPLOAD_MIN_RATE, API_UPLOAD_MIN_RATE_WINDOW, API_IDLE_TIMEOUT, API_WORKERS,
            API_UPLOAD_WORKERS,
            STORE_FSYNC, STORE_MIN_FREE, STORE_MAX_SHARD, STORE_SMALL_SHARD_MAX,
            SHARD_PARALLELISM,
            SHARD_MEMORY_BUDGET, SHARD_MAX_AVERAGE_CHUNK, SHARD_READ_AHEAD, STORE_DELETED_RETENTION, STORE_SWEEP_INTERVAL,
            LEDGER_MAX_BLOCK_TXS, LEDGER_BLOCK_INTERVAL, LEDGER_COMMIT_TIMEOUT,
            MANIFEST_SEAL_INTERVAL, MANIFEST_BATCH_MAX, MANIFEST_SEAL_QUEUE_MAX,
            AUTH_TOTP_MAX_FAILURES, AUTH_TOTP_FAILURE_WINDOW, AUTH_TOTP_LOCKOUT, AUTH_TOTP_MAX_LOCKOUT,
            AUTH_ENROLLMENT_CODE_LIFETIME,
            AUDIT_RETENTION, AUDIT_MAX_SOURCES,
            PEER_ENABLED, PEER_BIND, PEER_MAX_FRAME_SIZE, PEER_HANDSHAKE_TIMEOUT, PEER_IDLE_TIMEOUT, PEER_REQUEST_TIMEOUT,
            PEER_MAX_STREAMS, PEER_MAX_CONNECTIONS, PEER_MAX_CONNECTIONS_PER_PEER, PEER_MAX_HANDSHAKES_PER_ADDRESS,
            PEER_WORKER_THREADS, PEER_WORKER_QUEUE, PEER_STREAM_WINDOW, PEER_CONNECTION_WINDOW, PEER_SOCKET_BUFFER, PEER_MAX_UDP_PAYLOAD,
            PEER_NATIVE_TRANSPORT,
            DISCOVERY_SEEDS, DISCOVERY_ADVERTISE, DISCOVERY_GOSSIP_INTERVAL, DISCOVERY_HEARTBEAT_INTERVAL,
            DISCOVERY_SUSPECT_AFTER, DISCOVERY_DEAD_AFTER, DISCOVERY_MAX_RECORDS, DISCOVERY_FANOUT,
            LEDGER_MODE, RAFT_VOTERS, RAFT_LISTENERS, RAFT_DIR, RAFT_ELECTION_TIMEOUT_MIN, RAFT_ELECTION_TIMEOUT_MAX,
            RAFT_SUBMIT_RETRIES, RAFT_FOUNDERS, RAFT_ADDRESS, RAFT_ROLE, RAFT_MAX_VOTERS, RAFT_LEADER_SIGNING,
            NETWORK_ADMIN_KEY_FILE,
            S3_ENABLED, S3_HOST, S3_PORT, S3_DOMAIN, S3_REGION, S3_MAX_SKEW, S3_WORKERS, S3_MAX_CONNECTIONS,
            REPAIR_GRACE, REPAIR_INTERVAL, REPAIR_MAX_RATE, REPAIR_AUDIT_INTERVAL, REPAIR_AUDITS_PER_PEER, REPAIR_AUDIT_RANGE,
            API_QUIC_MAX_STREAM_DATA, API_QUIC_MAX_DATA, API_QUIC_CONGESTION_CONTROL, API_QUIC_NATIVE_TRANSPORT,
            API_QUIC_MAX_UDP_PAYLOAD);
}
