package io.stoq.node.replication;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.peer.PeerNetwork;
import io.stoq.node.store.ShardStore;
import io.stoq.placement.rendezvous.NodeFacts;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of placement: each shard of an upload goes to the nodes {@link ShardPlacement}
 * chooses for it, this node's own store when it is among them and the others over STOQ
 * ({@code put-shard}: the receiver hashes the bytes as they stream to its disk and keeps them only
 * if they hash to the shard's id, so nothing unverified is stored anywhere). A target that fails
 * is replaced by the next node of a longer ranking that holds no copy yet, so a node that died
 * since the last heartbeat costs a retry, not the upload.
 *
 * <p>Write quorum ({@code replicas:N}): every shard (and the manifest) durable on
 * {@code min(N, nodes the network knows)} distinct nodes before {@link Upload#finish} returns;
 * the upload is acknowledged only after that and the ledger commit. With fewer live nodes than
 * that, the upload fails ({@code UNAVAILABLE}) rather than being acknowledged below policy.
 *
 * <p>Memory: at most {@value #SHARDS_IN_FLIGHT} shards per upload are held while their copies
 * travel (the upload's thread blocks beyond that); the copies of one shard go out in parallel on
 * a pool shared by all uploads ({@value #PUSH_THREADS} threads).
 */
public final class Spreader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Spreader.class);
    /** Shards of one upload whose copies may be travelling at once. */
    public static final int SHARDS_IN_FLIGHT = 8;
    /** Copies being written or pushed at once, over all uploads of this node. */
    public static final int PUSH_THREADS = 8;

    private final ShardStore local;
    private final PeerNetwork peers;
    private final ShardPlacement placement;
    private final ExecutorService pushes = Executors.newFixedThreadPool(PUSH_THREADS, r -> {
        Thread t = new Thread(r, "stoq-shard-push");
        t.setDaemon(true);
        return t;
    });

    public Spreader(ShardStore local, PeerNetwork peers, ShardPlacement placement) {
        this.local = local;
        this.peers = peers;
        this.placement = placement;
    }

    /** This node's id. */
    public String selfId() {
        return placement.selfId();
    }

    /** Starts spreading one upload under {@code policy}, placed against the network as it is now. */
    public Upload begin(RedundancyPolicy policy) throws NodeException {
        if (!(policy instanceof RedundancyPolicy.Replicas r)) {
            throw new NodeException(NodeErrorCode.NOT_PERMITTED, "redundancy policy " + policy
                    + " is not supported by this node yet (replicas:N is)");
        }
        return new Upload(r, placement.view());
    }

    /**
     * The copies of one upload. Used by the upload's thread ({@link #submit}, {@link #heldHere},
     * {@link #finish}, {@link #abort}); the copy tasks run on the shared pool.
     */
    public final class Upload {
        private final RedundancyPolicy.Replicas policy;
        private final ShardPlacement.View view;
        private final int quorum;
        private final Semaphore slots = new Semaphore(SHARDS_IN_FLIGHT);
        /** Guarded by this: node id -> hashes durable there, in submission order. */
        private final Map<String, List<Hash256>> holdings = new LinkedHashMap<>();
        private final List<Hash256> localWritten = new ArrayList<>();
        private final Set<String> failedNodes = new HashSet<>();
        private final List<String> shortfalls = new ArrayList<>();
        private final long started = System.nanoTime();
        private long submitted;
        private long bytes;

        private Upload(RedundancyPolicy.Replicas policy, ShardPlacement.View view) {
            this.policy = policy;
            this.view = view;
            this.quorum = Math.min(policy.n(), view.knownNodes());
        }

        /** The copies each shard needs before the upload may be acknowledged. */
        public int quorum() {
            return quorum;
        }

        /** A shard this node already stores (reused from an earlier version): its copy here counts for the new version. */
        public synchronized void heldHere(Hash256 hash) {
            record(placement.selfId(), hash);
        }

        /** Starts the copies of one shard; waits while {@value #SHARDS_IN_FLIGHT} shards are travelling. */
        public void submit(Hash256 hash, byte[] bytes) throws NodeException, InterruptedIOException {
            rethrow();
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while spreading shards");
            }
            synchronized (this) {
                submitted++;
                this.bytes += bytes.length;
            }
            List<NodeFacts> targets = placement.place(hash, policy, bytes.length, view.live()).targets();
            Copies copies = new Copies(hash, bytes, targets);
            if (targets.isEmpty()) {
                copies.done();
                return;
            }
            for (NodeFacts target : targets) {
                pushes.execute(() -> copies.copyTo(target.nodeId()));
            }
        }

        /** Waits for every copy; fails unless every shard reached the quorum. Returns node id -> hashes held there. */
        public Map<String, List<Hash256>> finish() throws NodeException, InterruptedIOException {
            try {
                slots.acquire(SHARDS_IN_FLIGHT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while spreading shards");
            }
            slots.release(SHARDS_IN_FLIGHT);
            rethrow();
            synchronized (this) {
                LOG.info("{} shards ({} bytes) placed under {} on {} nodes in {} ms", submitted, bytes, policy, holdings.size(),
                        (System.nanoTime() - started) / 1_000_000);
                Map<String, List<Hash256>> out = new LinkedHashMap<>();
                holdings.forEach((k, v) -> out.put(k, List.copyOf(v)));
                return out;
            }
        }

        /** What this upload wrote to the local store (after {@link #finish} or {@link #abort}: complete). */
        public synchronized List<Hash256> localWritten() {
            return new ArrayList<>(localWritten);
        }

        /** Waits for the copies under way (so none lands after a discard). */
        public void abort() {
            slots.acquireUninterruptibly(SHARDS_IN_FLIGHT);
            slots.release(SHARDS_IN_FLIGHT);
        }

        private synchronized void rethrow() throws NodeException {
            if (!shortfalls.isEmpty()) {
                throw new NodeException(NodeErrorCode.UNAVAILABLE, shortfalls.get(0)
                        + (shortfalls.size() > 1 ? " (and " + (shortfalls.size() - 1) + " more shards)" : ""));
            }
        }

        private synchronized void record(String nodeId, Hash256 hash) {
            List<Hash256> list = holdings.computeIfAbsent(nodeId, k -> new ArrayList<>());
            if (!list.contains(hash)) {
                list.add(hash);
            }
        }

        /** The copies of one shard: each target's task stores it there, or finds a replacement. */
        private final class Copies {
            final Hash256 hash;
            final byte[] bytes;
            /** Guarded by Upload.this: nodes holding or being tried for this shard. */
            final Set<String> used = new HashSet<>();
            final AtomicInteger open;
            int durable;

            Copies(Hash256 hash, byte[] bytes, List<NodeFacts> targets) {
                this.hash = hash;
                this.bytes = bytes;
                targets.forEach(t -> used.add(t.nodeId()));
                this.open = new AtomicInteger(targets.size());
            }

            void copyTo(String first) {
                String target = first;
                try {
                    while (target != null) {
                        String failure = store(target);
                        if (failure == null) {
                            synchronized (Upload.this) {
                                durable++;
                                record(target, hash);
                            }
                            return;
                        }
                        LOG.warn("shard {} could not be stored on node {}: {}; trying another node", hash.toHex(), target, failure);
                        target = replacement(target);
                    }
                } catch (RuntimeException e) {
                    LOG.error("copying shard {} failed: {}", hash.toHex(), e.toString());
                } finally {
                    if (open.decrementAndGet() == 0) {
                        done();
                    }
                }
            }

            /** Stores the shard on {@code nodeId}; null when durable there, else why not. */
            private String store(String nodeId) {
                if (nodeId.equals(placement.selfId())) {
                    try {
                        boolean fresh;
                        if (local.groupsSmall(bytes.length)) {
                            ShardStore.PendingPut p = local.putGrouped(hash, bytes);
                            p.await();
                            fresh = !p.alreadyPresent();
                        } else {
                            fresh = !local.putTrusted(hash, bytes).alreadyPresent();
                        }
                        if (fresh) {
                            synchronized (Upload.this) {
                                localWritten.add(hash);
                            }
                        }
                        return null;
                    } catch (NodeException e) {
                        return e.getMessage();
                    }
                }
                PeerStatus p = view.peer(nodeId);
                if (p == null) {
                    return "not a live peer";
                }
                try {
                    PeerConnection c = peers.connect(p.addresses().get(0));
                    peers.shards().put(c, hash, bytes.length, new ByteArrayInputStream(bytes));
                    return null;
                } catch (NetException e) {
                    return e.code() + ": " + e.getMessage();
                }
            }

            /**
             * The best-ranked live node without a copy or a try of this shard, in a zone none of
             * the shard's other copies is in when there is one (so a replacement keeps the copies
             * spread over zones); null when no node is left.
             */
            private String replacement(String failed) {
                synchronized (Upload.this) {
                    failedNodes.add(failed);
                    Set<String> coveredZones = new HashSet<>();
                    for (NodeFacts f : view.live()) {
                        if (used.contains(f.nodeId()) && !failedNodes.contains(f.nodeId())) {
                            coveredZones.add(f.zone());
                        }
                    }
                    List<NodeFacts> candidates = new ArrayList<>();
                    List<NodeFacts> newZone = new ArrayList<>();
                    for (NodeFacts f : view.live()) {
                        if (!failedNodes.contains(f.nodeId()) && !used.contains(f.nodeId())) {
                            candidates.add(f);
                            if (!coveredZones.contains(f.zone())) {
                                newZone.add(f);
                            }
                        }
                    }
                    if (!newZone.isEmpty()) {
                        candidates = newZone;
                    }
                    if (candidates.isEmpty()) {
                        return null;
                    }
                    String next = placement.place(hash, new RedundancyPolicy.Replicas(1), bytes.length, candidates).nodeIds().stream()
                            .findFirst().orElse(null);
                    if (next != null) {
                        used.add(next);
                    }
                    return next;
                }
            }

            /** Every copy task ended: the slot is free; a shard below quorum fails the upload. */
            void done() {
                synchronized (Upload.this) {
                    if (durable < quorum) {
                        shortfalls.add("shard " + hash.toHex() + " is durable on " + durable + " of the " + quorum
                                + " distinct nodes policy " + policy + " needs (live nodes: " + view.live().size() + ")");
                    }
                }
                slots.release();
            }
        }
    }

    @Override
    public void close() {
        pushes.shutdownNow();
    }
}
