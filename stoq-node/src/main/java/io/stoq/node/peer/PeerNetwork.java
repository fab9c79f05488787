package io.stoq.node.peer;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.net.LocalIdentity;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PacketFilter;
import io.stoq.net.PeerConfig;
import io.stoq.net.PeerConnection;
import io.stoq.net.Revocations;
import io.stoq.net.discovery.CapacitySource;
import io.stoq.net.discovery.Discovery;
import io.stoq.net.discovery.DiscoveryConfig;
import io.stoq.net.discovery.Membership;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.net.shard.ShardClient;
import io.stoq.net.shard.ShardService;
import io.stoq.net.transport.StoqTransport;
import io.stoq.node.NodeCredentials;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import io.stoq.node.store.ShardStore;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of the STOQ network: the peer transport (QUIC, Falcon handshake) serving
 * shards from the local store, discovery with the configured seeds, and the revocations that
 * both check, fed from the CA's CRL file ({@code node.crl}, re-read when it changes). Started
 * after the ledger and before the API; closing stops discovery, then the transport.
 *
 * <p>Network id: until one ledger runs through Ratis, each node has its own ledger whose
 * network name differs by zone, so nodes of one CA could never agree on the ledger's id. The
 * peer layer therefore uses {@link #networkId}: the network id of the name {@value #NETWORK}
 * under the CA root, the same for every node of that CA. When the shared ledger lands it
 * becomes that ledger's {@code NetworkId}.
 *
 * <p>Thread-safe after {@link #start}. Threads: stoq-net's, one CRL watcher, and a small pool for
 * parallel shard fetches.
 */
public final class PeerNetwork implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerNetwork.class);
    /** The network name the peer layer's id is derived from (see the class comment). */
    public static final String NETWORK = "stoq";
    /** How often the CRL file is checked for a new version. */
    private static final long CRL_CHECK_SECONDS = 10;

    private final Revocations revocations = new Revocations();
    private final ScheduledExecutorService crlWatcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "stoq-peer-crl"));
    private final ExecutorService fetches = Executors.newFixedThreadPool(4, r -> daemon(r, "stoq-peer-fetch"));
    private StoqTransport transport;
    private Discovery discovery;
    private ShardClient shards;
    private FileTime crlSeen;
    /** Shard reads this node's store served: to its own API's readers and to peers (get-shard). */
    private final java.util.concurrent.atomic.AtomicLong readsServed = new java.util.concurrent.atomic.AtomicLong();
    private long maxShardBytes;

    private PeerNetwork() {}

    /** The peer-layer network id of the CA whose root is {@code root}. */
    public static Hash256 networkId(X509Certificate root) throws NodeException {
        try {
            return NetworkId.of(NETWORK, root.getEncoded()).value();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "cannot encode the root certificate: " + e.getMessage(), e);
        }
    }

    /** Starts the transport on {@code peer.bind} and discovery with {@code discovery.seeds}. */
    public static PeerNetwork start(NodeConfig config, NodeCredentials credentials, ShardStore store, Path dataDir, Clock clock)
            throws NodeException {
        return start(config, credentials, store, dataDir, clock, null);
    }

    /**
     * As {@link #start(NodeConfig, NodeCredentials, ShardStore, Path, Clock)}, dropping the peer
     * datagrams {@code packets} names (tests: partitions; null drops none).
     */
    public static PeerNetwork start(NodeConfig config, NodeCredentials credentials, ShardStore store, Path dataDir, Clock clock,
            PacketFilter packets) throws NodeException {
        PeerNetwork net = new PeerNetwork();
        try {
            net.open(config, credentials, store, dataDir, clock, packets);
            return net;
        } catch (NodeException | RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private void open(NodeConfig config, NodeCredentials credentials, ShardStore store, Path dataDir, Clock clock, PacketFilter packets)
            throws NodeException {
        NodeKeys keys = credentials.keys();
        List<X509Certificate> chain = credentials.chain();
        X509Certificate root = credentials.root();
        Path crlFile = credentials.crlFile();
        PeerConfig peerConfig = PeerSettings.transport(config);
        LocalIdentity me;
        try {
            me = LocalIdentity.of(keys, chain, root, networkId(root));
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "peer identity: " + e.getMessage(), e);
        }
        X509Certificate intermediate = chain.size() > 1 ? chain.get(1) : null;
        readCrl(crlFile, intermediate, clock);
        crlWatcher.scheduleWithFixedDelay(() -> refreshCrl(crlFile, intermediate, clock), CRL_CHECK_SECONDS, CRL_CHECK_SECONDS,
                TimeUnit.SECONDS);
        long maxShard = config.get(NodeConfigKeys.STORE_MAX_SHARD).bytes();
        maxShardBytes = maxShard;
        try {
            transport = new ShardService(new NodeShardStore(store, maxShard, readsServed), maxShard)
                    .register(StoqTransport.builder(peerConfig, me).revocations(revocations).clock(clock).packetFilter(packets))
                    .start();
            DiscoveryConfig discoveryConfig = PeerSettings.discovery(config, transport.localAddress());
            discovery = new Discovery(discoveryConfig, me, revocations, clock, capacity(dataDir));
            discovery.start(transport);
            shards = new ShardClient(fetches, discovery.transferListener());
            LOG.info("peer transport on udp {} ({}) as node {} (zone {}), advertising {}, seeds {}", transport.localAddress(), transport.udpTransport(),
                    me.nodeId(), me.identity().zone(), discoveryConfig.advertise(), discoveryConfig.seeds());
        } catch (NetException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot start the peer transport on " + peerConfig.bind() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Total and free bytes of the data disk, as this node's record announces them. */
    private static CapacitySource capacity(Path dataDir) {
        return () -> {
            try {
                var fs = Files.getFileStore(dataDir);
                return new CapacitySource.Capacity(fs.getTotalSpace(), fs.getUsableSpace());
            } catch (IOException e) {
                return new CapacitySource.Capacity(0, 0); // unknown: announce none rather than stop gossiping
            }
        };
    }

    /** Applies the CRL file if present; a CRL that fails its checks is logged and skipped (the ledger will feed revocations too). */
    private synchronized void readCrl(Path crlFile, X509Certificate intermediate, Clock clock) {
        if (crlFile == null || intermediate == null || !Files.isRegularFile(crlFile)) {
            return;
        }
        try {
            FileTime modified = Files.getLastModifiedTime(crlFile);
            if (modified.equals(crlSeen)) {
                return;
            }
            X509CRL crl = PemFiles.readCrl(crlFile);
            List<BigInteger> added = revocations.apply(crl, intermediate, clock.instant());
            crlSeen = modified;
            if (!added.isEmpty()) {
                LOG.info("peer revocations: {} serial(s) from {}", added.size(), crlFile);
            }
        } catch (CryptoException | IOException e) {
            LOG.warn("peer revocations: cannot apply {}: {}", crlFile, e.getMessage());
        }
    }

    private void refreshCrl(Path crlFile, X509Certificate intermediate, Clock clock) {
        try {
            readCrl(crlFile, intermediate, clock);
        } catch (RuntimeException e) {
            LOG.warn("peer revocations: re-reading {} failed: {}", crlFile, e.toString());
        }
    }

    /** The UDP address the transport listens on (the bound port when {@code peer.bind} asked for 0). */
    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    /** This node's id on the network. */
    public String nodeId() {
        return transport.identity().nodeId();
    }

    /** Every member but this node, with what this node measured. */
    public List<PeerStatus> peers() {
        return discovery.snapshot();
    }

    /** The certificate serial a member's signed record carries, empty for a node that is not a member. */
    public Optional<BigInteger> serialOf(String nodeId) {
        return discovery.membership().get(nodeId).map(Membership.Member::record).map(r -> r.serial());
    }

    /** An authenticated connection to {@code address}, reused while open. */
    public PeerConnection connect(InetSocketAddress address) throws NetException {
        return transport.connect(address);
    }

    /** Serves the node's own message type {@code type} (code 0x100 and up) with {@code handler} from now on. */
    public void handle(io.stoq.net.MessageType type, io.stoq.net.RequestHandler handler) {
        transport.handle(type, handler);
    }

    /** Fetches and pushes shards; transfers are reported to discovery's throughput figures. */
    public ShardClient shards() {
        return shards;
    }

    /**
     * Fetches shard {@code id} from {@code peer}, verified on receipt: a shard larger than
     * {@code store.max-shard-size} is refused ({@code REFUSED}) before a byte of it is read, more
     * bytes than announced or bytes that do not hash to {@code id} fail with {@code INTEGRITY}.
     * Holds the shard in memory (it is verified whole, as the local store does).
     */
    public byte[] fetch(PeerConnection peer, Hash256 id) throws NetException, IOException {
        long size = shards.size(peer, id);
        String from = peer.peer().nodeId();
        if (size > maxShardBytes) {
            throw new NetException(NetErrorCode.REFUSED, "node " + from + " offers shard " + id.toHex() + " of " + size
                    + " bytes, over store.max-shard-size (" + maxShardBytes + " bytes)");
        }
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream((int) size) {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                if (count + (long) len > size) {
                    throw new java.io.UncheckedIOException(new IOException("more than the " + size + " bytes announced"));
                }
                super.write(b, off, len);
            }
        };
        try {
            shards.get(peer, id, received);
        } catch (java.io.UncheckedIOException e) {
            throw new NetException(NetErrorCode.INTEGRITY, "shard " + id.toHex() + " from node " + from + ": "
                    + e.getCause().getMessage(), e);
        }
        byte[] bytes = received.toByteArray();
        if (!io.stoq.crypto.hash.Sha3.hash(bytes).equals(id)) {
            throw new NetException(NetErrorCode.INTEGRITY, "the bytes node " + from + " sent as shard " + id.toHex()
                    + " do not hash to it; discarded");
        }
        return bytes;
    }

    /** The largest shard this node takes or fetches ({@code store.max-shard-size}). */
    public long maxShardBytes() {
        return maxShardBytes;
    }

    /** The revocations both the transport and discovery check (the ledger's revoke txs will feed it too). */
    public Revocations revocations() {
        return revocations;
    }

    /** Counts one shard read served from this node's store to a local reader. */
    public void readServed() {
        readsServed.incrementAndGet();
    }

    /** Shard reads this node's store has served since start, to local readers and to peers. */
    public long readsServed() {
        return readsServed.get();
    }

    /** Prometheus text for {@code /metrics}: per-peer health, the transport's counters and the reads this node served. */
    public String metrics() {
        return PeerMetricsText.render(discovery.snapshot(), transport.metrics().snapshot())
                + "# HELP stoq_shard_reads_served_total Shard reads served from this node's store (own readers and peers).\n"
                + "# TYPE stoq_shard_reads_served_total counter\n"
                + "stoq_shard_reads_served_total " + readsServed.get() + "\n";
    }

    @Override
    public void close() {
        crlWatcher.shutdownNow();
        if (discovery != null) {
            discovery.close();
        }
        if (transport != null) {
            transport.close();
        }
        fetches.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
