package io.stoq.node.peer;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.discovery.Liveness;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.store.ShardStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's shard store for reads that may need another node's shards: what the local store
 * holds is read there; a shard or manifest it does not hold is fetched over STOQ
 * ({@link PeerNetwork#fetch}, verified against its hash on receipt) and not kept, from the nodes
 * the ledger says hold it, least loaded first, then from any other alive peer.
 * Writes, deletes, scans and {@link #contains} are the local store's alone, so sweeps and seals
 * only ever touch what this node holds.
 *
 * <p>Thread-safe (the local store and the transport are; the in-flight counts are atomic).
 */
public final class PeerReadThrough implements ShardStore {
    private static final Logger LOG = LoggerFactory.getLogger(PeerReadThrough.class);

    private final ShardStore local;
    private final PeerNetwork peers;

    public PeerReadThrough(ShardStore local, PeerNetwork peers) {
        this.local = local;
        this.peers = peers;
    }

    @Override
    public byte[] get(Hash256 hash) throws NodeException {
        return local.contains(hash) ? local.get(hash) : fetch(hash, List.of());
    }

    @Override
    public byte[] getForVerifier(Hash256 hash) throws NodeException {
        return getForVerifier(hash, List.of());
    }

    /**
     * A shard for a reader that verifies it: from the local store when held here (counted as a
     * read this node served), else from {@code holders} (the nodes the ledger's location proofs
     * name), least loaded first, then from any other alive peer.
     */
    public byte[] getForVerifier(Hash256 hash, List<String> holders) throws NodeException {
        if (local.contains(hash)) {
            byte[] b = local.getForVerifier(hash);
            peers.readServed();
            return b;
        }
        return fetch(hash, holders);
    }

    /** Reads under way from each peer, by node id: the load this node puts on them. */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> inFlight =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The order peers are asked in: the {@code holders} first, then the other peers (a holder
     * without a proof yet, or a stale proof); within each, alive before suspect (dead ones are
     * not asked), then least loaded first (fewest reads this node has under way there), then
     * near before far ({@link #rttClass}), then at random, which spreads reads over equal holders.
     */
    List<PeerStatus> order(List<String> holders) {
        List<PeerStatus> alive = new ArrayList<>();
        for (PeerStatus p : peers.peers()) {
            if ((p.liveness() == Liveness.ALIVE || p.liveness() == Liveness.SUSPECT) && !p.addresses().isEmpty()) {
                alive.add(p);
            }
        }
        Duration nearest = alive.stream().map(PeerStatus::rtt).filter(java.util.Objects::nonNull).min(Duration::compareTo).orElse(null);
        java.util.Collections.shuffle(alive);
        java.util.Comparator<PeerStatus> byLoad = java.util.Comparator
                .comparingInt((PeerStatus p) -> holders.contains(p.nodeId()) ? 0 : 1)
                .thenComparingInt(p -> p.liveness() == Liveness.ALIVE ? 0 : 1)
                .thenComparingInt(p -> load(p.nodeId()))
                .thenComparingLong(p -> rttClass(p.rtt(), nearest));
        alive.sort(byLoad);
        return alive;
    }

    /** RTT differences up to this much (or up to the nearest peer's RTT, if larger) are not a preference. */
    static final Duration NEAR_MARGIN = Duration.ofMillis(20);

    /**
     * How far a peer is, for ordering: 0 for every peer within {@link #NEAR_MARGIN} (or within
     * the nearest RTT again, if larger) of the nearest peer, then one more per further margin;
     * unknown RTTs last. Relative to the nearest on purpose: fixed 10 ms steps put peers at 9.9
     * and 10.1 ms in different classes, and heartbeat RTTs on a busy machine wander across such
     * a line, so whichever peer happened to sit below it took every tied read (ReadSpreadTest
     * once saw one holder serve 33% over the mean). A peer in another region still loses ties.
     */
    static long rttClass(Duration rtt, Duration nearest) {
        if (rtt == null || nearest == null) {
            return Long.MAX_VALUE;
        }
        long allowance = Math.max(NEAR_MARGIN.toNanos(), nearest.toNanos());
        long excess = rtt.toNanos() - nearest.toNanos();
        return excess <= allowance ? 0 : 1 + (excess - allowance) / NEAR_MARGIN.toNanos();
    }

    private int load(String nodeId) {
        java.util.concurrent.atomic.AtomicInteger n = inFlight.get(nodeId);
        return n == null ? 0 : n.get();
    }

    /** The shard from the first peer in {@link #order} that holds it; {@code NOT_FOUND} when none does (or none answers). */
    private byte[] fetch(Hash256 hash, List<String> holders) throws NodeException {
        List<String> tried = new ArrayList<>();
        for (PeerStatus p : order(holders)) {
            InetSocketAddress address = p.addresses().get(0);
            java.util.concurrent.atomic.AtomicInteger n = inFlight.computeIfAbsent(p.nodeId(),
                    k -> new java.util.concurrent.atomic.AtomicInteger());
            n.incrementAndGet();
            try {
                PeerConnection c = peers.connect(address);
                return peers.fetch(c, hash);
            } catch (NetException e) {
                if (e.code() != NetErrorCode.NOT_FOUND) {
                    LOG.debug("shard {} from node {}: {}", hash.toHex(), p.nodeId(), e.getMessage());
                }
                tried.add(p.nodeId() + " (" + e.code() + ")");
            } catch (IOException e) {
                tried.add(p.nodeId() + " (" + e.getMessage() + ")");
            } finally {
                n.decrementAndGet();
            }
        }
        throw new NodeException(NodeErrorCode.NOT_FOUND, "shard " + hash.toHex() + " is neither held here nor by an alive peer"
                + (tried.isEmpty() ? " (no peer alive)" : " (asked " + String.join(", ", tried) + ")"));
    }

    @Override
    public PutResult put(Hash256 expected, InputStream in, long declaredSize) throws NodeException {
        return local.put(expected, in, declaredSize);
    }

    @Override
    public PutResult put(Hash256 expected, byte[] bytes) throws NodeException {
        return local.put(expected, bytes);
    }

    @Override
    public PutResult putTrusted(Hash256 hash, byte[] bytes) throws NodeException {
        return local.putTrusted(hash, bytes);
    }

    @Override
    public PendingPut putGrouped(Hash256 expected, byte[] bytes) throws NodeException {
        return local.putGrouped(expected, bytes);
    }

    @Override
    public boolean groupsSmall(long size) {
        return local.groupsSmall(size);
    }

    @Override
    public boolean contains(Hash256 hash) {
        return local.contains(hash);
    }

    @Override
    public OptionalLong size(Hash256 hash) throws NodeException {
        return local.size(hash);
    }

    @Override
    public boolean delete(Hash256 hash) throws NodeException {
        return local.delete(hash);
    }

    @Override
    public void forEach(Consumer<Hash256> action) throws NodeException {
        local.forEach(action);
    }

    /** The local store is closed by its owner, not through this view. */
    @Override
    public void close() {}
}
