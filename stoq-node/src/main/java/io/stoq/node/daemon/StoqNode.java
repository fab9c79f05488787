package io.stoq.node.daemon;

import io.stoq.consensus.RaftLedgerConfig;
import io.stoq.consensus.RaftTls;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.fragmint.auth.AuthSettings;
import io.stoq.fragmint.http.ApiServer;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.TlsIdentity;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.HealthProbe;
import io.stoq.fragmint.port.NodePorts;
import io.stoq.net.PacketFilter;
import io.stoq.node.NodeCredentials;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.accounts.AdminBootstrap;
import io.stoq.node.accounts.NetworkAccountStore;
import io.stoq.node.accounts.NodeAccounts;
import io.stoq.node.assets.ManifestSealer;
import io.stoq.node.assets.NodeAssetService;
import io.stoq.shard.codec.CodecPool;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import io.stoq.node.ledger.CrlFile;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.ledger.LedgerService;
import io.stoq.node.ledger.LedgerWriter;
import io.stoq.node.ledger.RaftLedgerWriter;
import io.stoq.node.peer.LeaderSigning;
import io.stoq.node.ledger.RaftSettings;
import io.stoq.node.ledger.NodeLedgerView;
import io.stoq.node.lifecycle.LifeCycle;
import io.stoq.node.members.GroupMembership;
import io.stoq.node.peer.PeerLedgerView;
import io.stoq.node.peer.PeerNetwork;
import io.stoq.node.peer.PeerReadThrough;
import io.stoq.node.keys.EpochKeys;
import io.stoq.node.keys.NetworkKeys;
import io.stoq.node.peer.PeerSettings;
import io.stoq.node.store.LocalShardStore;
import io.stoq.node.store.SealStore;
import io.stoq.shard.manifest.BatchSigner;
import io.stoq.shard.manifest.ManifestVerifier;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: identity, local shard store, ledger service, accounts and audit log, asset
 * service and the FragMint API server (HTTPS or, on loopback, plain HTTP and h2c; HTTP/3), built
 * from a {@link NodeConfig}.
 * {@link #start} opens everything in dependency order and {@link #close} releases it in reverse
 * (API first, so in-flight uploads drain before the stores close). Everything is durable, so a
 * restart on the same data directory picks up where the last run left off.
 *
 * <p>Start-up refuses damaged data rather than serve less than was acknowledged: a damaged
 * account database or ledger (a log record or table failing RocksDB's checksums) or missing
 * custodial keys fail {@link #start} with {@link NodeErrorCode#CORRUPT_DATA} (CLI exit 41) and
 * a one-line message naming the file and what is at risk; nothing is served.
 */
public final class StoqNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoqNode.class);
    /** Verified manifest batch signatures remembered (32 bytes each): saves ~2.5 ms per read of a recent batch. */
    private static final int MANIFEST_SIGNATURE_CACHE = 4096;

    private final LifeCycle life = new LifeCycle("node");
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final NodeConfig config;
    private NodeIdentity identity;
    private NodeAccounts accounts;
    private ApiServer server;
    private io.stoq.fragmint.s3.S3Server s3Server;
    private LedgerService ledgerService;
    private LedgerWriter ledgerWriter;
    private ManifestSealer manifestSealer;
    private LocalShardStore shardStore;
    private NodeAssetService assetService;
    private volatile AdminBootstrap.Result devAdmin;
    /** On a Raft ledger: this node's accounts are on the network ledger (see networkSetup). */
    private volatile boolean networkAccountsReady;
    private PeerNetwork peers;
    private io.stoq.node.repair.RepairService repair;
    private EpochKeys epochKeys;
    private NetworkAccountStore networkAccounts;
    /** S3 access keys: the node database's on its own ledger, the network's records on Raft. */
    private io.stoq.fragmint.port.S3KeyStore s3Keys;
    /** The Raft transport's TLS (its refusal counters feed /metrics), null unless ledger.mode=raft. */
    private RaftTls raftTls;
    private Thread shutdownHook;
    /** Why the node stopped by itself (fail-stop), null otherwise; set before close. */
    private volatile io.stoq.crypto.CodedException failure;

    private StoqNode(NodeConfig config) {
        this.config = config;
    }

    /**
     * Starts a node. With {@code devAdmin}, first start also creates the {@code admin} account and
     * writes its API key to {@code DATA/dev-admin.key} (development networks only).
     */
    public static StoqNode start(NodeConfig config, Clock clock, boolean devAdmin) throws NodeException {
        return start(config, clock, devAdmin, null);
    }

    /**
     * As {@link #start(NodeConfig, Clock, boolean)}, with the peer transport dropping the datagrams
     * {@code peerPackets} names (a fault-injection seam for cluster tests: partitions; null drops none).
     */
    public static StoqNode start(NodeConfig config, Clock clock, boolean devAdmin, PacketFilter peerPackets) throws NodeException {
        StoqNode node = new StoqNode(config);
        try {
            node.open(clock, devAdmin, peerPackets);
            return node;
        } catch (NodeException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void open(Clock clock, boolean devAdmin, PacketFilter peerPackets) throws NodeException {
        life.transition(LifeCycle.State.STARTING);
        requireTlsOffLoopback(config);
        Path data = config.path(NodeConfigKeys.DATA_DIR);
        NodeKeys keys;
        List<X509Certificate> chain;
        X509Certificate root;
        try {
            SecureFiles.createDirectoriesDurably(data);
            String pass = System.getenv("STOQ_NODE_PASSPHRASE");
            keys = NodeKeys.load(config.path(NodeConfigKeys.NODE_KEYS_DIR), pass == null ? null : pass.toCharArray());
            chain = PemFiles.readCertificates(config.path(NodeConfigKeys.NODE_CERTIFICATE));
            root = PemFiles.readCertificate(config.path(NodeConfigKeys.NODE_ROOT_CERTIFICATE));
            identity = NodeCertificateValidator.validate(chain, root, clock.instant(), Set.of());
            NodeCertificateValidator.requireTlsKey(identity, keys.tls().getPublic());
            NodeCertificateValidator.requireSlhDsaKey(identity, keys.slhDsa().publicKey());
            if (!identity.kemKeyHash().equals(io.stoq.crypto.hash.Sha3.hash(keys.kem().getPublic().getEncoded()))) {
                // epoch keys are sealed to the ML-KEM key the certificate binds: another one would open none of them
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "the node certificate is not for this node's ML-KEM key ("
                        + NodeKeys.KEM_PUB + ")");
            }
            if (!identity.falconKey().fingerprint().equals(keys.falcon().verifyingKey().fingerprint())) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "the node certificate is not for this node's Falcon key");
            }
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "node identity: " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create " + data + ": " + e.getMessage(), e);
        }
        // TLS files are checked before any database is opened: a bad path fails fast.
        ApiServerConfig.Tls tls = apiTls(config.get(NodeConfigKeys.API_HTTP3), data, clock);
        Thread warm = new Thread(AesGcm::warmUp, "stoq-gcm-warmup");
        warm.setDaemon(true);
        warm.start();

        LocalShardStore store = LocalShardStore.open(data.resolve("shards"), LocalShardStore.Settings.from(config));
        resources.push(store); // closed last: after the API and the ledger stopped using it
        shardStore = store;
        accounts = NodeAccounts.open(data, clock, new NodeAccounts.AuditSettings(
                config.get(NodeConfigKeys.AUDIT_RETENTION), config.get(NodeConfigKeys.AUDIT_MAX_SOURCES)));
        resources.push(accounts);
        if (devAdmin && !RaftSettings.enabled(config)) {
            this.devAdmin = AdminBootstrap.ensureAdmin(accounts.accounts(), data, clock,
                    config.get(NodeConfigKeys.AUTH_ENROLLMENT_CODE_LIFETIME));
        } else if (!RaftSettings.enabled(config)) {
            networkAdmin(accounts.accounts(), data, clock);
        }
        CustodialKeys custody = CustodialKeys.open(data.resolve("accounts"));
        NodeCredentials credentials = new NodeCredentials(keys, chain, root, config.path(NodeConfigKeys.NODE_CRL));
        LedgerService.Settings ledgerSettings = LedgerService.Settings.from(config, "stoq-" + identity.zone());
        LedgerWriter ledger;
        if (RaftSettings.enabled(config)) {
            if (!config.get(NodeConfigKeys.PEER_ENABLED)) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "ledger.mode=raft needs peer.enabled=true (shards and revocations "
                        + "travel over STOQ)");
            }
            // Peers first: Raft's TLS refuses what the peer layer's revocations refuse. Closed in reverse: ledger, then peers.
            peers = PeerNetwork.start(config, credentials, store, data, clock, peerPackets);
            resources.push(peers);
            RaftLedgerConfig raftConfig = RaftSettings.config(config, identity.nodeId(), credentials);
            java.util.Optional<io.stoq.consensus.RaftPeerSpec> joinAs = RaftSettings.joinAs(config, raftConfig);
            java.net.InetAddress raftHost = joinAs.map(p -> p.address().getAddress()).orElseGet(() -> raftConfig.peers().stream()
                    .filter(p -> p.nodeId().equals(raftConfig.self())).findFirst().orElseThrow().address().getAddress());
            raftTls = RaftSettings.tls(credentials, PeerNetwork.networkId(root), peers.revocations(), raftHost, clock,
                    why -> { });
            RaftLedgerWriter raftWriter = RaftLedgerWriter.start(data.resolve("ledger"), custody, credentials, clock, ledgerSettings,
                    raftConfig, raftTls, config.get(NodeConfigKeys.RAFT_SUBMIT_RETRIES), RaftSettings.founders(config),
                    RaftSettings.founderKemKeys(config), joinAs.orElse(null), this::failStop);
            ledger = raftWriter;
            resources.push(ledger);
            // Writes of a signer every node holds are signed on the leader: one node assigns its nonces.
            if (config.get(NodeConfigKeys.RAFT_LEADER_SIGNING)) {
                resources.push(new LeaderSigning(raftWriter, peers, keys.falcon()).start());
            }
            epochKeys = new EpochKeys(ledger.reader(), identity.nodeId(), keys.kem());
            // Closed before the ledger: no admission or revocation is started on a closing ledger.
            resources.push(new GroupMembership(raftWriter, peers, config.get(NodeConfigKeys.RAFT_MAX_VOTERS), joinAs,
                    PeerSettings.discovery(config, peers.localAddress()).seeds(), chain,
                    new io.stoq.node.keys.EpochSharing(raftWriter, epochKeys, keys.falcon()), keys.kem().getPublic().getEncoded()).start());
        } else {
            LedgerService local = LedgerService.start(data.resolve("ledger"), custody, credentials, clock, ledgerSettings);
            resources.push(local);
            ledgerService = local;
            ledger = local;
        }
        ledgerWriter = ledger;
        if (epochKeys == null) {
            epochKeys = new EpochKeys(ledger.reader(), identity.nodeId(), keys.kem());
        }
        // On one Raft ledger accounts are network state: a key made through any node works on every node.
        io.stoq.fragmint.port.AccountStore accountPort = accounts.accounts();
        if (ledgerService == null) {
            NetworkAccountStore network = new NetworkAccountStore(ledger, epochKeys, accounts.accounts(), clock);
            custody.useNetwork(network);
            if (ledger.reader().height() >= 0) {
                // as the local writer checks at start: the operator key is the ledger's admin, and every
                // custodial account the operator registered has its key, here or in the network's records
                LedgerService.requireCustody(ledger.reader(), custody, custody.operatorKey(false));
            }
            accountPort = network;
            networkAccounts = network;
            s3Keys = new io.stoq.node.accounts.NetworkS3Keys(network, clock);
            networkSetup(network, custody, data, clock, devAdmin);
        }
        if (ledgerService != null) {
            try {
                NetworkKeys.ensureEpoch(ledgerService, epochKeys);
            } catch (io.stoq.ledger.LedgerException e) {
                throw new NodeException(NodeErrorCode.IO_ERROR, "cannot make the ledger's first key epoch: " + e.getMessage(), e);
            }
        }
        if (s3Keys == null) {
            s3Keys = accounts.s3Keys();
        }
        String host = config.get(NodeConfigKeys.API_HOST);
        int port = config.get(NodeConfigKeys.API_PORT);
        if (peers == null && config.get(NodeConfigKeys.PEER_ENABLED)) {
            // After the ledger, before the API: closed in reverse, so the API stops before the peers go.
            peers = PeerNetwork.start(config, credentials, store, data, clock, peerPackets);
            resources.push(peers);
        }
        int threads = config.get(NodeConfigKeys.SHARD_PARALLELISM);
        // Manifests are sealed after their commit: the seals sit beside the shards (shards/seals).
        // Closed after the API server (resources close in reverse); what it leaves unsealed is sealed at the next start.
        SealStore seals = SealStore.open(data.resolve("shards").resolve("seals"), config.get(NodeConfigKeys.STORE_FSYNC));
        resources.push(seals);
        manifestSealer = new ManifestSealer(new BatchSigner(keys.slhDsa()), seals, config.get(NodeConfigKeys.MANIFEST_SEAL_INTERVAL),
                config.get(NodeConfigKeys.MANIFEST_BATCH_MAX), config.get(NodeConfigKeys.MANIFEST_SEAL_QUEUE_MAX).bytes());
        resources.push(manifestSealer);
        // The Falcon key signed this node's manifests before they were batch-signed with SLH-DSA (schema 1).
        ManifestVerifier manifestVerifier = new ManifestVerifier(
                List.of(keys.slhDsa().verifyingKey(), keys.falcon().verifyingKey()), MANIFEST_SIGNATURE_CACHE);
        // One codec pool for every upload and download; closed after the API server, like the signer.
        CodecPool codecPool = new CodecPool(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads,
                memoryBudget(config.get(NodeConfigKeys.SHARD_MEMORY_BUDGET)));
        resources.push(codecPool);
        io.stoq.node.replication.Spreader spreader = null;
        io.stoq.node.replication.LocationProofs proofs = null;
        if (peers != null && ledgerService == null) {
            // Placement on a network (one Raft ledger): every upload's shards go to the nodes its redundancy
            // policy asks for, and each holder proves its copies on the ledger (docs/placement.md). A node
            // on its own ledger keeps every shard itself, as before.
            io.stoq.placement.rendezvous.PlacementSettings placementSettings = new io.stoq.placement.rendezvous.PlacementSettings(
                    config.get(NodeConfigKeys.STORE_MIN_FREE).bytes(),
                    io.stoq.placement.rendezvous.PlacementSettings.DEFAULT.referenceThroughputBytesPerSecond(),
                    io.stoq.placement.rendezvous.PlacementSettings.DEFAULT.nearCandidates());
            io.stoq.node.replication.ShardPlacement placement = new io.stoq.node.replication.ShardPlacement(peers,
                    identity.nodeId(), identity.zone(), data, placementSettings);
            spreader = new io.stoq.node.replication.Spreader(store, peers, placement);
            resources.push(spreader);
            proofs = new io.stoq.node.replication.LocationProofs(ledger, keys.falcon(), identity.nodeId(), store, peers,
                    config.get(NodeConfigKeys.LEDGER_COMMIT_TIMEOUT)).start();
            resources.push(proofs);
            // Audits and repair of the shards this node is the repair owner of (docs/placement.md, "Repair and audits").
            repair = new io.stoq.node.repair.RepairService(io.stoq.node.repair.RepairService.Settings.from(config),
                    ledger.reader(), store, peers, placement, proofs, clock).start();
            resources.push(repair);
        }
        NodeAssetService assets = new NodeAssetService(ledger, store, accountPort, manifestSealer, manifestVerifier,
                codecPool, config.get(NodeConfigKeys.SHARD_READ_AHEAD), (int) config.get(NodeConfigKeys.SHARD_MAX_AVERAGE_CHUNK).bytes(),
                new CrlFile(config.path(NodeConfigKeys.NODE_CRL)),
                peers == null ? store : new PeerReadThrough(store, peers), epochKeys, spreader, proofs);
        assetService = assets;
        try {
            int swept = assets.sweepOrphans();
            if (swept > 0) {
                LOG.info("removed {} unreferenced shard files left by interrupted uploads", swept);
            }
        } catch (NodeException e) {
            LOG.warn("orphan sweep skipped: {}", e.getMessage());
        }
        try {
            int unsealed = assets.sealUnsealed();
            if (unsealed > 0) {
                LOG.info("{} committed manifests were left unsealed by the last stop; sealing them", unsealed);
            }
        } catch (NodeException e) {
            LOG.warn("could not look for unsealed manifests: {}", e.getMessage());
        }
        HealthProbe health = this::readiness;
        NodeLedgerView view = new NodeLedgerView(ledger, accountPort, identity.nodeId(), List.of(host + ":" + port),
                identity.zone(), data, assets.keyRotation());
        NodePorts ports = new NodePorts(assets, view, peers == null ? view : new PeerLedgerView(view, peers, repair == null ? id -> null : repair.metrics()::summary), accountPort,
                accounts.audit(), ledger.events(), health, s3Keys);
        server = new ApiServer(apiConfig(port, tls), ports, clock);
        if (peers != null) {
            server.addMetrics(peers::metrics);
        }
        if (repair != null) {
            server.addMetrics(repair.metrics()::render);
        }
        server.addMetrics(assets.keyFailures()::metrics); // reads whose asset key this node could not unwrap
        if (raftTls != null) {
            RaftTls counted = raftTls;
            server.addMetrics(() -> RaftSettings.metrics(counted.refusals()));
        }
        server.addMetrics(new NodeMetricsText(data, config.get(NodeConfigKeys.STORE_MIN_FREE).bytes(), chain,
                config.path(NodeConfigKeys.NODE_CRL))::render); // disk, certificate and CRL expiry for the alerts
        try {
            server.start();
        } catch (ApiException e) {
            server.close();
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot start the API on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        resources.push(server);
        if (config.get(NodeConfigKeys.S3_ENABLED)) {
            startS3(ports, tls, clock);
        }
        startSweeps(assets, clock);
        life.transition(LifeCycle.State.RUNNING);
        LOG.info("node {} serving on {}", identity.nodeId(), server.baseUri());
    }

    /**
     * Accounts on a Raft ledger, once the network's setup block (and its key epoch) is applied
     * here: this node's local accounts from before are moved onto the ledger (once, logged); then,
     * with {@code devAdmin}, the network's {@code admin} account is made if no node made it yet,
     * and this node's own API key for it is written to {@code DATA/dev-admin.key}. In the
     * background: the group needs a quorum first, so start-up does not wait for it.
     */
    private void networkSetup(NetworkAccountStore network, CustodialKeys custody, Path data, Clock clock, boolean devAdmin) {
        java.time.Duration lifetime = config.get(NodeConfigKeys.AUTH_ENROLLMENT_CODE_LIFETIME);
        Thread t = new Thread(() -> {
            try {
                int failures = 0;
                while (life.state() == LifeCycle.State.STARTING || life.state() == LifeCycle.State.RUNNING) {
                    if (ledgerWriter.reader().height() >= 1 && epochKeys.current().isPresent()) {
                        try {
                            int moved = network.migrateLocal(data, custody);
                            if (moved > 0) {
                                LOG.info("moved {} local account(s) onto the network ledger (once; marker {})", moved,
                                        data.resolve(NetworkAccountStore.MIGRATED_MARKER));
                            }
                            int movedKeys = ((io.stoq.node.accounts.NetworkS3Keys) s3Keys).migrateLocal(data, accounts.s3Keys());
                            if (movedKeys > 0) {
                                LOG.info("moved {} local S3 key(s) onto the network ledger (once; marker {})", movedKeys,
                                        data.resolve(io.stoq.node.accounts.NetworkS3Keys.MIGRATED_MARKER));
                            }
                            networkAccountsReady = true; // the admin bootstrap below is not what clients wait for
                            if (devAdmin) {
                                this.devAdmin = AdminBootstrap.ensureAdmin(network, data, clock, lifetime, true);
                                LOG.info("dev admin ready on the network ledger (key in {})", this.devAdmin.keyFile());
                            } else {
                                networkAdmin(network, data, clock);
                            }
                            return;
                        } catch (NodeException e) {
                            // the nodes share the operator key: a write may lose a nonce race to another node's; again
                            if (++failures == 20) {
                                LOG.error("cannot set up the accounts on the network ledger: {}", e.getMessage());
                                return;
                            }
                        }
                    }
                    Thread.sleep(100);
                }
            } catch (NodeException | RuntimeException e) {
                LOG.error("cannot set up the accounts on the network ledger: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stoq-network-accounts");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The network's first admin from {@code network.admin-key-file} ({@code stoq network init}):
     * made with that key unless the account store (the network's, on Raft) already has an admin
     * key; nothing when the key is unset or its file absent (deleted once the admin exists).
     */
    private void networkAdmin(io.stoq.fragmint.port.AccountStore store, Path data, Clock clock) throws NodeException {
        java.util.Optional<Path> file = config.optionalPath(NodeConfigKeys.NETWORK_ADMIN_KEY_FILE);
        if (file.isEmpty() || !java.nio.file.Files.exists(file.get())) {
            return;
        }
        AdminBootstrap.Result r = AdminBootstrap.ensureAdminWithKey(store, data, clock,
                config.get(NodeConfigKeys.AUTH_ENROLLMENT_CODE_LIFETIME), file.get());
        if (r.created()) {
            LOG.info("the network's admin account is ready with the key of {}", file.get());
        }
        if (r.enrollmentCodeFile() != null) {
            LOG.info("the admin's one-time TOTP enrollment code is in {}", r.enrollmentCodeFile());
        }
    }

    /** {@code shard.memory-budget}, 0 meaning an eighth of the maximum heap (at most 1 GiB, at least 16 MiB). */
    static long memoryBudget(io.stoq.fragmint.http.DataSize configured) {
        if (configured.bytes() > 0) {
            return Math.max(configured.bytes(), 1L << 20);
        }
        return Math.max(16L << 20, Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 8));
    }

    /**
     * The periodic storage sweep ({@code store.sweep-interval}): frees shards that no live version,
     * no asset deleted within {@code store.deleted-retention} and no upload in progress needs.
     * Runs on a daemon thread of its own, stopped with the node.
     */
    private void startSweeps(NodeAssetService assets, java.time.Clock clock) {
        java.time.Duration every = config.get(NodeConfigKeys.STORE_SWEEP_INTERVAL);
        java.time.Duration retention = config.get(NodeConfigKeys.STORE_DELETED_RETENTION);
        java.util.concurrent.ScheduledExecutorService sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stoq-storage-sweep");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                var result = assets.sweep(retention, clock.instant());
                if (result.removed() > 0) {
                    LOG.info("storage sweep freed {} shard files ({} in use)", result.removed(), result.marked());
                }
            } catch (NodeException | RuntimeException e) {
                LOG.warn("storage sweep failed: {}", e.getMessage());
            }
        }, every.toMillis(), every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        resources.push(() -> {
            sweeper.shutdownNow();
            if (!sweeper.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("the storage sweep did not stop within 30 s");
            }
        });
    }

    /** The node's asset service (tests: sweeps, counts). */
    public NodeAssetService assets() {
        return assetService;
    }

    /**
     * Maps the node's {@code api.*} keys onto the API server's config groups, and picks the TLS
     * certificate: the operator's ({@code api.tls.*}, HTTPS and HTTP/3), else the node's own
     * stable one in {@code DATA/tls} for HTTP/3 alone.
     */
    private ApiServerConfig apiConfig(int port, ApiServerConfig.Tls tls) throws NodeException {
        ApiServerConfig d = ApiServerConfig.defaults();
        int http3 = config.get(NodeConfigKeys.API_HTTP3) ? (port == 0 ? 0 : port) : -1;
        double rate = config.get(NodeConfigKeys.API_RATE_LIMIT);
        int burst = config.get(NodeConfigKeys.API_RATE_BURST);
        return d.toBuilder()
                .listen(new ApiServerConfig.Listen(config.get(NodeConfigKeys.API_HOST), port, http3))
                .tls(tls)
                .limits(new ApiServerConfig.Limits(apiSize(NodeConfigKeys.API_MAX_JSON_BODY), apiSize(NodeConfigKeys.API_MAX_BODY),
                        apiSize(NodeConfigKeys.API_MAX_HEADER_SIZE), config.get(NodeConfigKeys.API_MAX_CONNECTIONS),
                        config.get(NodeConfigKeys.API_MAX_CONNECTIONS_PER_IP), config.get(NodeConfigKeys.API_MAX_STREAMS),
                        new ApiServerConfig.MinRate(apiSize(NodeConfigKeys.API_UPLOAD_MIN_RATE),
                                config.get(NodeConfigKeys.API_UPLOAD_MIN_RATE_WINDOW))))
                .timeouts(new ApiServerConfig.Timeouts(config.get(NodeConfigKeys.API_IDLE_TIMEOUT),
                        config.get(NodeConfigKeys.API_HEADER_TIMEOUT), config.get(NodeConfigKeys.API_WRITE_STALL_TIMEOUT)))
                // The per-address bucket allows two accounts' worth behind one address (a NAT), within its range.
                .rates(new ApiServerConfig.Rates((int) Math.max(1, Math.ceil(rate)), burst,
                        Math.min(1_000_000, Math.max(2 * (int) Math.ceil(rate), d.rates().perAddress()))))
                .workers(new ApiServerConfig.Workers(config.get(NodeConfigKeys.API_WORKERS),
                        config.get(NodeConfigKeys.API_UPLOAD_WORKERS)))
                .auth(authSettings())
                .quic(quicSettings())
                .build();
    }

    private ApiServerConfig.Quic quicSettings() throws NodeException {
        try {
            return new ApiServerConfig.Quic(apiSize(NodeConfigKeys.API_QUIC_MAX_STREAM_DATA), apiSize(NodeConfigKeys.API_QUIC_MAX_DATA),
                    ApiServerConfig.CongestionControl.valueOf(
                            config.get(NodeConfigKeys.API_QUIC_CONGESTION_CONTROL).toUpperCase(java.util.Locale.ROOT)),
                    config.get(NodeConfigKeys.API_QUIC_NATIVE_TRANSPORT), config.get(NodeConfigKeys.API_QUIC_MAX_UDP_PAYLOAD));
        } catch (IllegalArgumentException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "api.quic.*: " + e.getMessage(), e);
        }
    }

    private AuthSettings authSettings() throws NodeException {
        java.time.Duration lockout = config.get(NodeConfigKeys.AUTH_TOTP_LOCKOUT);
        java.time.Duration maxLockout = config.get(NodeConfigKeys.AUTH_TOTP_MAX_LOCKOUT);
        if (lockout.compareTo(maxLockout) > 0) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, NodeConfigKeys.AUTH_TOTP_LOCKOUT.name() + " is longer than "
                    + NodeConfigKeys.AUTH_TOTP_MAX_LOCKOUT.name() + ": make the first lockout the shorter one");
        }
        try {
            return new AuthSettings(config.get(NodeConfigKeys.AUTH_TOTP_MAX_FAILURES),
                    config.get(NodeConfigKeys.AUTH_TOTP_FAILURE_WINDOW), lockout, maxLockout,
                    config.get(NodeConfigKeys.AUTH_ENROLLMENT_CODE_LIFETIME));
        } catch (IllegalArgumentException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "auth.totp.*: " + e.getMessage(), e);
        }
    }

    private io.stoq.fragmint.http.DataSize apiSize(io.stoq.node.config.ConfigKey<io.stoq.fragmint.http.DataSize> key) {
        return config.get(key); // one DataSize: the config's value is the API server's
    }

    /**
     * The S3 gateway beside the API, on the same ports and the API's certificate (HTTPS when
     * api.tls.* is set); names live on the ledger, S3 keys and open multipart uploads in the node
     * database. Closed before the API server (resources close in reverse).
     */
    private void startS3(NodePorts ports, ApiServerConfig.Tls tls, Clock clock) throws NodeException {
        String host = config.get(NodeConfigKeys.S3_HOST);
        if (!tls.tcp() && !isLoopback(host) && !config.get(NodeConfigKeys.API_ALLOW_INSECURE)) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "refusing to serve the S3 gateway in plain HTTP on s3.host " + host
                    + ", which is not a loopback address: set api.tls.certificate and api.tls.private-key, or s3.host=127.0.0.1");
        }
        // The API's client bounds (api.* keys: header timeout, idle, minimum upload rate, per-address cap), its own total cap.
        ApiServerConfig api = server.config();
        int maxConnections = config.get(NodeConfigKeys.S3_MAX_CONNECTIONS);
        io.stoq.fragmint.s3.S3Config s3 = new io.stoq.fragmint.s3.S3Config(host, config.get(NodeConfigKeys.S3_PORT),
                config.get(NodeConfigKeys.S3_DOMAIN), config.get(NodeConfigKeys.S3_REGION), tls.tcp() ? tls.certificate() : null,
                config.get(NodeConfigKeys.S3_MAX_SKEW),
                api.limits().withConnections(maxConnections, Math.min(maxConnections, api.limits().maxConnectionsPerAddress())),
                api.timeouts(), config.get(NodeConfigKeys.S3_WORKERS));
        io.stoq.fragmint.s3.S3Gateway gateway = new io.stoq.fragmint.s3.S3Gateway(s3, ports,
                new io.stoq.node.names.LedgerObjectNames(ledgerWriter), s3Keys, accounts.s3Uploads(), clock);
        s3Server = new io.stoq.fragmint.s3.S3Server(s3, gateway);
        try {
            s3Server.start();
        } catch (ApiException e) {
            gateway.close();
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot start the S3 gateway on " + host + ":"
                    + config.get(NodeConfigKeys.S3_PORT) + ": " + e.getMessage(), e);
        }
        io.stoq.fragmint.s3.S3Server started = s3Server;
        resources.push(() -> {
            started.close();
            gateway.close();
        });
    }

    /** The S3 gateway, or null when s3.enabled is false. */
    public io.stoq.fragmint.s3.S3Server s3Server() {
        return s3Server;
    }

    private ApiServerConfig.Tls apiTls(boolean http3, Path data, Clock clock) throws NodeException {
        java.util.Optional<Path> cert = config.optionalPath(NodeConfigKeys.API_TLS_CERTIFICATE);
        java.util.Optional<Path> key = config.optionalPath(NodeConfigKeys.API_TLS_PRIVATE_KEY);
        if (cert.isPresent() != key.isPresent()) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "set both api.tls.certificate and api.tls.private-key, or neither"
                    + " (only " + (cert.isPresent() ? "api.tls.certificate" : "api.tls.private-key") + " is set)");
        }
        if (cert.isPresent()) {
            TlsIdentity id = ApiTlsFiles.load(cert.get(), key.get(), clock.instant());
            LOG.info("API TLS certificate {} ({}), valid until {}", cert.get(),
                    id.chain().get(0).getSubjectX500Principal().getName(), id.chain().get(0).getNotAfter().toInstant());
            return ApiServerConfig.Tls.https(id);
        }
        if (!http3) {
            return ApiServerConfig.Tls.OFF;
        }
        DevIdentity.ApiCertificate own = DevIdentity.ensureApiCertificate(data);
        if (own.created()) {
            LOG.info("made the HTTP/3 certificate {} (kept across restarts; clients trust or pin it)", own.certificate());
        }
        return ApiServerConfig.Tls.http3Only(ApiTlsFiles.load(own.certificate(), own.privateKey(), clock.instant()));
    }

    /**
     * Refuses plain HTTP on an address other clients can reach: without {@code api.tls.*} the API
     * may listen only on loopback, unless the operator says {@code api.allow-insecure=true} (a TLS
     * proxy in front). Checked before anything is opened.
     */
    static void requireTlsOffLoopback(NodeConfig config) throws NodeException {
        String host = config.get(NodeConfigKeys.API_HOST);
        boolean tls = config.get(NodeConfigKeys.API_TLS_CERTIFICATE).isPresent()
                || config.get(NodeConfigKeys.API_TLS_PRIVATE_KEY).isPresent();
        if (tls || isLoopback(host)) {
            return;
        }
        if (config.get(NodeConfigKeys.API_ALLOW_INSECURE)) {
            LOG.warn("serving plain HTTP on {} (api.allow-insecure=true): credentials cross the network in clear "
                    + "unless a TLS proxy is in front", host);
            return;
        }
        throw new NodeException(NodeErrorCode.BAD_CONFIG, "refusing to serve plain HTTP on api.host " + host
                + ", which is not a loopback address: set api.tls.certificate and api.tls.private-key (PEM files), "
                + "or api.host=127.0.0.1, or api.allow-insecure=true if a TLS proxy sits in front");
    }

    private static boolean isLoopback(String host) {
        try {
            for (java.net.InetAddress a : java.net.InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** Closes the node when the JVM is asked to stop (SIGTERM, Ctrl-C). */
    public StoqNode closeOnShutdown() {
        shutdownHook = new Thread(this::close, "stoq-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        return this;
    }

    /**
     * Fail-stop: the Raft ledger could not apply a committed entry (its store failed), so this node
     * must not serve a ledger behind its log. Closes the node (the API first); the CLI then exits
     * with the failure's code ({@link #failure}). Called once, on a thread of its own.
     */
    private void failStop(io.stoq.consensus.ConsensusException why) {
        failure = why;
        LOG.error("node {} stops (fail-stop, exit code {}): {}", identity == null ? "?" : identity.nodeId(), why.code().exitCode(),
                why.getMessage());
        close();
    }

    /**
     * Whether the node takes traffic ({@code /readyz}): it is running and, on a Raft ledger, its
     * accounts are on the network ledger and it knows a leader. Without a quorum a node answers
     * what it can from its replica but cannot commit, so a load balancer should send clients
     * elsewhere; before its accounts moved, its own keys would be refused.
     */
    public HealthProbe.Status readiness() {
        if (life.state() != LifeCycle.State.RUNNING) {
            return new HealthProbe.Status(false, life.state().name().toLowerCase());
        }
        if (ledgerWriter instanceof RaftLedgerWriter raft) {
            if (raft.raft().failure().isPresent()) { // the reason is in the log, not on an unauthenticated probe
                return new HealthProbe.Status(false, "the ledger replica stopped (see the node's log)");
            }
            if (!networkAccountsReady) {
                return new HealthProbe.Status(false, "waiting for the network ledger (a Raft quorum) to set up the accounts");
            }
            if (raft.raft().leader().isEmpty()) {
                return new HealthProbe.Status(false, "no Raft leader known (no quorum)");
            }
        }
        return new HealthProbe.Status(true, "serving");
    }

    /** Why the node stopped by itself (a fail-stop), empty while it runs or after an ordinary close. */
    public java.util.Optional<io.stoq.crypto.CodedException> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    /** Blocks until {@link #close} has finished. */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    public URI baseUri() {
        return server.baseUri();
    }

    public int port() {
        return server.port();
    }

    /** UDP port of HTTP/3, -1 when disabled. */
    public int http3Port() {
        return server.http3Port();
    }

    /** The peer transport and discovery, or null when {@code peer.enabled} is false. */
    public PeerNetwork peers() {
        return peers;
    }

    public ApiServer server() {
        return server;
    }

    public NodeIdentity identity() {
        return identity;
    }

    public NodeAccounts accounts() {
        return accounts;
    }

    /** Repair and audits, or null on a node without a network (its own ledger). */
    public io.stoq.node.repair.RepairService repair() {
        return repair;
    }

    /** The node's shard store (for its counters). */
    public LocalShardStore shardStore() {
        return shardStore;
    }

    /** Height of the ledger's last committed block (for benchmarks' block counts). */
    public long ledgerHeight() {
        return ledgerWriter.reader().height();
    }

    /** The single-node ledger writer's step timings so far; empty when a Raft group orders the blocks. */
    public Optional<LedgerService.WriterTimings> ledgerWriterTimings() {
        return Optional.ofNullable(ledgerService).map(LedgerService::timings);
    }

    /** The node's ledger service (package-private: tests fund accounts through it). */
    LedgerService ledger() {
        return ledgerService;
    }

    /** The accounts on the network ledger (ledger.mode=raft), null while accounts are node-local. */
    public NetworkAccountStore networkAccounts() {
        return networkAccounts;
    }

    /** The S3 access keys this node's gateway checks: network state on a Raft ledger, the node database's on its own. */
    public io.stoq.fragmint.port.S3KeyStore s3Keys() {
        return s3Keys;
    }

    /** The node's view of the network's data-key epochs. */
    public EpochKeys epochKeys() {
        return epochKeys;
    }

    /** The node's ledger writer, local or Raft (tests read heads and state roots through it). */
    public LedgerWriter ledgerWriter() {
        return ledgerWriter;
    }

    /** The node's manifest sealer (tests seal at once with {@link ManifestSealer#sealNow}, read seals). */
    public ManifestSealer manifestSealer() {
        return manifestSealer;
    }

    /** How many manifests this node has sealed with how many SLH-DSA signatures since it started. */
    public ManifestSealer.Stats manifestBatches() {
        return manifestSealer.stats();
    }

    /** What the dev admin bootstrap did, or null when not asked for. */
    public AdminBootstrap.Result devAdmin() {
        return devAdmin;
    }

    @Override
    public void close() {
        if (!life.beginClose()) {
            return;
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down
            }
        }
        try {
            while (!resources.isEmpty()) {
                AutoCloseable r = resources.pop();
                try {
                    r.close();
                } catch (Exception e) {
                    LOG.warn("closing {} failed: {}", r.getClass().getSimpleName(), e.toString());
                }
            }
            life.transition(LifeCycle.State.CLOSED);
        } catch (NodeException e) {
            LOG.debug("node close: {}", e.getMessage());
        } finally {
            closed.countDown();
        }
    }
}
