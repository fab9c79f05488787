package io.stoq.node.daemon;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.fragmint.auth.AuthSettings;
import io.stoq.fragmint.http.ApiServer;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.HealthProbe;
import io.stoq.fragmint.port.NodePorts;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.accounts.AdminBootstrap;
import io.stoq.node.accounts.NodeAccounts;
import io.stoq.node.assets.NodeAssetService;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import io.stoq.node.ledger.CrlFile;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.ledger.LedgerService;
import io.stoq.node.ledger.NodeLedgerView;
import io.stoq.node.lifecycle.LifeCycle;
import io.stoq.node.store.LocalShardStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: identity, local shard store, ledger service, accounts and audit log, asset
 * service and the FragMint API server (HTTP/1.1, h2c and HTTP/3), built from a {@link NodeConfig}.
 * {@link #start} opens everything in dependency order and {@link #close} releases it in reverse
 * (API first, so in-flight uploads drain before the stores close). Everything is durable, so a
 * restart on the same data directory picks up where the last run left off.
 */
public final class StoqNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoqNode.class);

    private final LifeCycle life = new LifeCycle("node");
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final NodeConfig config;
    private NodeIdentity identity;
    private NodeAccounts accounts;
    private ApiServer server;
    private LedgerService ledgerService;
    private AdminBootstrap.Result devAdmin;
    private Thread shutdownHook;

    private StoqNode(NodeConfig config) {
        this.config = config;
    }

    /**
     * Starts a node. With {@code devAdmin}, first start also creates the {@code admin} account and
     * writes its API key to {@code DATA/dev-admin.key} (development networks only).
     */
    public static StoqNode start(NodeConfig config, Clock clock, boolean devAdmin) throws NodeException {
        StoqNode node = new StoqNode(config);
        try {
            node.open(clock, devAdmin);
            return node;
        } catch (NodeException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void open(Clock clock, boolean devAdmin) throws NodeException {
        life.transition(LifeCycle.State.STARTING);
        Path data = config.path(NodeConfigKeys.DATA_DIR);
        NodeKeys keys;
        List<X509Certificate> chain;
        X509Certificate root;
        try {
            Files.createDirectories(data);
            String pass = System.getenv("STOQ_NODE_PASSPHRASE");
            keys = NodeKeys.load(config.path(NodeConfigKeys.NODE_KEYS_DIR), pass == null ? null : pass.toCharArray());
            chain = PemFiles.readCertificates(config.path(NodeConfigKeys.NODE_CERTIFICATE));
            root = PemFiles.readCertificate(config.path(NodeConfigKeys.NODE_ROOT_CERTIFICATE));
            identity = NodeCertificateValidator.validate(chain, root, clock.instant(), Set.of());
            NodeCertificateValidator.requireTlsKey(identity, keys.tls().getPublic());
            if (!identity.falconKey().fingerprint().equals(keys.falcon().verifyingKey().fingerprint())) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "the node certificate is not for this node's Falcon key");
            }
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "node identity: " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create " + data + ": " + e.getMessage(), e);
        }
        Thread warm = new Thread(AesGcm::warmUp, "stoq-gcm-warmup");
        warm.setDaemon(true);
        warm.start();

        LocalShardStore store = LocalShardStore.open(data.resolve("shards"), config.get(NodeConfigKeys.STORE_FSYNC),
                config.get(NodeConfigKeys.STORE_MIN_FREE), config.get(NodeConfigKeys.STORE_MAX_SHARD));
        accounts = NodeAccounts.open(data, clock, new NodeAccounts.AuditSettings(
                config.get(NodeConfigKeys.AUDIT_RETENTION), config.get(NodeConfigKeys.AUDIT_MAX_SOURCES)));
        resources.push(accounts);
        if (devAdmin) {
            this.devAdmin = AdminBootstrap.ensureAdmin(accounts.accounts(), data, clock,
                    config.get(NodeConfigKeys.AUTH_ENROLLMENT_CODE_LIFETIME));
        }
        CustodialKeys custody = CustodialKeys.open(data.resolve("accounts"));
        LedgerService ledger = LedgerService.start(data.resolve("ledger"), custody, keys.falcon(), chain, root,
                "stoq-" + identity.zone(), clock, config.get(NodeConfigKeys.LEDGER_BLOCK_INTERVAL),
                config.get(NodeConfigKeys.LEDGER_MAX_BLOCK_TXS));
        resources.push(ledger);
        ledgerService = ledger;
        String host = config.get(NodeConfigKeys.API_HOST);
        int port = config.get(NodeConfigKeys.API_PORT);
        NodeLedgerView view = new NodeLedgerView(ledger, accounts.accounts(), identity.nodeId(), List.of(host + ":" + port),
                identity.zone(), data);
        int threads = config.get(NodeConfigKeys.SHARD_PARALLELISM);
        NodeAssetService assets = new NodeAssetService(ledger, store, accounts.accounts(), keys.falcon(), keys.kem(),
                threads == 0 ? Runtime.getRuntime().availableProcessors() : threads, new CrlFile(config.path(NodeConfigKeys.NODE_CRL)));
        try {
            int swept = assets.sweepOrphans();
            if (swept > 0) {
                LOG.info("removed {} unreferenced shard files left by interrupted uploads", swept);
            }
        } catch (ApiException e) {
            LOG.warn("orphan sweep skipped: {}", e.getMessage());
        }
        HealthProbe health = () -> life.state() == LifeCycle.State.RUNNING
                ? new HealthProbe.Status(true, "serving") : new HealthProbe.Status(false, life.state().name().toLowerCase());
        NodePorts ports = new NodePorts(assets, view, view, accounts.accounts(), accounts.audit(), ledger.events(), health);
        server = new ApiServer(apiConfig(port), ports, null, clock);
        try {
            server.start();
        } catch (ApiException e) {
            server.close();
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot start the API on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        resources.push(server);
        life.transition(LifeCycle.State.RUNNING);
        LOG.info("node {} serving on {}", identity.nodeId(), server.baseUri());
    }

    private ApiServerConfig apiConfig(int port) throws NodeException {
        ApiServerConfig d = ApiServerConfig.defaults();
        int http3 = config.get(NodeConfigKeys.API_HTTP3) ? (port == 0 ? 0 : port) : -1;
        double rate = config.get(NodeConfigKeys.API_RATE_LIMIT);
        int burst = config.get(NodeConfigKeys.API_RATE_BURST);
        return new ApiServerConfig(config.get(NodeConfigKeys.API_HOST), port, http3,
                io.stoq.fragmint.http.DataSize.ofBytes(config.get(NodeConfigKeys.API_MAX_JSON_BODY).bytes()),
                io.stoq.fragmint.http.DataSize.ofBytes(config.get(NodeConfigKeys.API_MAX_BODY).bytes()), d.maxHeaderSize(),
                (int) Math.max(1, Math.ceil(rate)), burst, Math.max(2 * (int) Math.ceil(rate), d.ratePerAddress()),
                d.workerThreads(), d.sessionLifetime(), d.idleTimeout())
                .withAuth(authSettings());
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

    /** Closes the node when the JVM is asked to stop (SIGTERM, Ctrl-C). */
    public StoqNode closeOnShutdown() {
        shutdownHook = new Thread(this::close, "stoq-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        return this;
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

    public ApiServer server() {
        return server;
    }

    public NodeIdentity identity() {
        return identity;
    }

    public NodeAccounts accounts() {
        return accounts;
    }

    /** The node's ledger service (package-private: tests fund accounts through it). */
    LedgerService ledger() {
        return ledgerService;
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
