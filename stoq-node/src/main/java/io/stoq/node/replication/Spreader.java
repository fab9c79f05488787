package io.stoq.node.replication;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.peer.PeerNetwork;
import io.stoq.node.store.ShardStore;
import io.stoq.placement.PlacementException;
import io.stoq.placement.erasure.EncodedShard;
import io.stoq.placement.erasure.ErasureCodec;
import io.stoq.placement.erasure.ErasureLayout;
import io.stoq.placement.rendezvous.NodeFacts;
import io.stoq.shard.manifest.PieceLayouts;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.EnumSet;
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
        return begin(policy, h -> { });
    }

    /**
     * As {@link #begin(RedundancyPolicy)}; {@code pin} is called with every piece hash of an
     * erasure-coded shard before the piece is stored anywhere (so this node's storage sweep keeps
     * the pieces it stores before the version commits, as it keeps pinned shards).
     */
    public Upload begin(RedundancyPolicy policy, java.util.function.Consumer<Hash256> pin) throws NodeException {
        ShardPlacement.View view = placement.view();
        if (policy instanceof RedundancyPolicy.Erasure e && view.knownNodes() < e.k() + 1) {
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "redundancy policy " + policy + " needs " + (e.k() + 1)
                    + " pieces of every shard on distinct nodes and the network knows " + view.knownNodes() + " nodes");
        }
        return new Upload(policy, view, pin);
    }

    /**
     * The copies of one upload. Used by the upload's thread ({@link #submit}, {@link #heldHere},
     * {@link #finish}, {@link #abort}); the copy tasks run on the shared pool.
     */
    public final class Upload {
        private final RedundancyPolicy policy;
        private final ShardPlacement.View view;
        private final int quorum;
        /** Null for replicas; one per upload, used only by the upload's thread (the coder is not thread-safe). */
        private final ErasureCodec codec;
        private final java.util.function.Consumer<Hash256> pin;
        /** Guarded by this: shard hash -> its pieces (erasure only). */
        private final Map<Hash256, PieceLayouts.Shard> layouts = new java.util.HashMap<>();
        private final Semaphore slots = new Semaphore(SHARDS_IN_FLIGHT);
        /** Guarded by this: node id -> hashes durable there, in submission order. */
        private final Map<String, List<Hash256>> holdings = new LinkedHashMap<>();
        private final List<Hash256> localWritten = new ArrayList<>();
        private final Set<String> failedNodes = new HashSet<>();
        private final List<String> shortfalls = new ArrayList<>();
        private final long started = System.nanoTime();
        private long submitted;
        private long bytes;

        private Upload(RedundancyPolicy policy, ShardPlacement.View view, java.util.function.Consumer<Hash256> pin) throws NodeException {
            this.policy = policy;
            this.view = view;
            this.pin = pin;
            if (policy instanceof RedundancyPolicy.Erasure e) {
                // k+1: any one piece holder may be lost before repair and the shard still decodes
                this.quorum = e.k() + 1;
                try {
                    this.codec = ErasureCodec.of(e);
                } catch (RuntimeException ex) {
                    throw new NodeException(NodeErrorCode.ILLEGAL_STATE, "cannot set up the " + policy + " coder: " + ex.getMessage(), ex);
                }
            } else {
                this.quorum = Math.min(((RedundancyPolicy.Replicas) policy).n(), view.knownNodes());
                this.codec = null;
            }
        }

        /** The copies (replicas) or pieces (erasure) each shard needs on distinct nodes before the upload may be acknowledged. */
        public int quorum() {
            return quorum;
        }

        /** A shard this node already stores (reused from an earlier version): its copy here counts for the new version. */
        public synchronized void heldHere(Hash256 hash) throws NodeException {
            if (codec == null) {
                record(placement.selfId(), hash);
            } else if (!layouts.containsKey(hash)) {
                // an erasure upload reuses only shards it cut itself (a repeated chunk): ShardWriter passes no lineage chunks
                throw new NodeException(NodeErrorCode.ILLEGAL_STATE, "shard " + hash.toHex() + " is reused but was not cut into pieces by this upload");
            }
        }

        /** The pieces of every erasure-coded shard submitted so far, by shard hash (empty for replicas). */
        public synchronized Map<Hash256, PieceLayouts.Shard> layouts() {
            return Map.copyOf(layouts);
        }

        /**
         * Stores {@code bytes} whole on {@code copies} distinct nodes (quorum: all of
         * {@code min(copies, nodes the network knows)}): how an erasure upload places its manifest
         * body, which a reader needs before it can find any piece, so it must survive as many lost
         * nodes as the pieces do ({@code m + 1} copies).
         */
        public void submitWhole(Hash256 hash, byte[] bytes, int copies) throws NodeException, InterruptedIOException {
            rethrow();
            acquireSlot();
            synchronized (this) {
                submitted++;
                this.bytes += bytes.length;
            }
            RedundancyPolicy.Replicas whole = new RedundancyPolicy.Replicas(copies);
            List<NodeFacts> targets = placement.place(hash, whole, bytes.length, view.live()).targets();
            start(new Copies(hash, bytes.length, targets.size(), Math.min(copies, view.knownNodes()), whole, i -> hash, i -> bytes), targets);
        }

        private void acquireSlot() throws InterruptedIOException {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while spreading shards");
            }
        }

        private void start(Copies copies, List<NodeFacts> targets) {
            if (copies.count == 0) {
                copies.done();
                return;
            }
            synchronized (this) {
                for (int i = 0; i < Math.min(copies.count, targets.size()); i++) {
                    copies.used.add(targets.get(i).nodeId());
                }
            }
            for (int i = 0; i < copies.count; i++) {
                int slot = i;
                String first = i < targets.size() ? targets.get(i).nodeId() : null;
                pushes.execute(() -> copies.copyTo(slot, first));
            }
        }

        /**
         * Starts the copies of one shard (replicas), or cuts it into k+m pieces and starts placing
         * piece i on target i (erasure); waits while {@value #SHARDS_IN_FLIGHT} shards are travelling.
         */
        public void submit(Hash256 hash, byte[] bytes) throws NodeException, InterruptedIOException {
            rethrow();
            acquireSlot();
            synchronized (this) {
                submitted++;
                this.bytes += bytes.length;
            }
            if (codec == null) {
                List<NodeFacts> targets = placement.place(hash, policy, bytes.length, view.live()).targets();
                start(new Copies(hash, bytes.length, targets.size(), quorum, policy, i -> hash, i -> bytes), targets);
                return;
            }
            EncodedShard encoded;
            try {
                encoded = codec.encode(bytes);
            } catch (PlacementException e) {
                slots.release();
                throw new NodeException(NodeErrorCode.IO_ERROR, "shard " + hash.toHex() + " could not be cut into " + policy
                        + " pieces: " + e.getMessage(), e);
            }
            ErasureLayout layout = encoded.layout();
            synchronized (this) {
                layouts.put(hash, new PieceLayouts.Shard(layout.pieceSize(), layout.pieceHashes()));
            }
            layout.pieceHashes().forEach(pin);
            List<NodeFacts> targets = placement.place(hash, policy, layout.pieceSize(), view.live()).targets();
            start(new Copies(hash, layout.pieceSize(), layout.totalPieces(), quorum, policy, i -> layout.pieceHashes().get(i),
                    i -> encoded.pieces().get(i).data()), targets);
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
                // one line per upload: detail, not news (a copy that missed its node is a warning above)
                LOG.debug("{} shards ({} bytes) placed under {} on {} nodes in {} ms", submitted, bytes, policy, holdings.size(),
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

        /**
         * The copies of one shard: slot i is one copy (replicas: every slot the same bytes) or
         * piece i (erasure); each slot's task stores it on its target, or on a replacement that
         * holds nothing of this shard yet.
         */
        private final class Copies {
            final Hash256 hash;
            final long size;
            final int count;
            final int needed;
            final RedundancyPolicy described;
            final java.util.function.IntFunction<Hash256> itemHash;
            final java.util.function.IntFunction<byte[]> itemBytes;
            /** Guarded by Upload.this: nodes holding or being tried for this shard. */
            final Set<String> used = new HashSet<>();
            final AtomicInteger open;
            int durable;

            Copies(Hash256 hash, long size, int slots, int needed, RedundancyPolicy described,
                    java.util.function.IntFunction<Hash256> itemHash, java.util.function.IntFunction<byte[]> itemBytes) {
                this.hash = hash;
                this.size = size;
                this.count = slots;
                this.needed = needed;
                this.described = described;
                this.itemHash = itemHash;
                this.itemBytes = itemBytes;
                this.open = new AtomicInteger(slots);
            }

            void copyTo(int slot, String first) {
                Hash256 item = itemHash.apply(slot);
                try {
                    // a piece the placement had no node for (fewer live nodes than pieces) looks for one left over
                    String target = first != null ? first : replacement(null);
                    boolean askedAgain = false;
                    while (target != null) {
                        Failure failure = store(target, item, itemBytes.apply(slot));
                        if (failure == null) {
                            synchronized (Upload.this) {
                                durable++;
                                record(target, item);
                            }
                            return;
                        }
                        if (failure.passing() && !askedAgain) {
                            // A busy or briefly unresponsive node (a loaded machine, a GC pause) is asked once
                            // more before it is given up for the whole upload: with as many nodes as copies
                            // there is no other node to take its place.
                            askedAgain = true;
                            LOG.info("shard {} could not be stored on node {} ({}); asking it once more", item.toHex(), target, failure.why());
                            pauseBeforeAskingAgain();
                            continue;
                        }
                        LOG.warn("shard {} could not be stored on node {}: {}; trying another node", item.toHex(), target, failure.why());
                        askedAgain = false;
                        target = replacement(target);
                    }
                    if (count > needed) {
                        LOG.warn("{} of shard {} has no node left; the shard is below policy {}", codec == null ? "a copy" : "piece " + slot,
                                hash.toHex(), described);
                    }
                } catch (RuntimeException e) {
                    LOG.error("copying shard {} failed: {}", item.toHex(), e.toString());
                } finally {
                    if (open.decrementAndGet() == 0) {
                        done();
                    }
                }
            }

            /** Stores {@code hash} ({@code bytes}) on {@code nodeId}; null when durable there, else why not. */
            private Failure store(String nodeId, Hash256 hash, byte[] bytes) {
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
                        return new Failure(e.getMessage(), false);
                    }
                }
                PeerStatus p = view.peer(nodeId);
                if (p == null) {
                    return new Failure("not a live peer", false);
                }
                try {
                    PeerConnection c = peers.connect(p.addresses().get(0));
                    peers.shards().put(c, hash, bytes.length, new ByteArrayInputStream(bytes));
                    return null;
                } catch (NetException e) {
                    return new Failure(e.code() + ": " + e.getMessage(), PASSING.contains(e.code()));
                }
            }

            /**
             * The best-ranked live node without a copy or a try of this shard, in a zone none of
             * the shard's other copies is in when there is one (so a replacement keeps the copies
             * spread over zones); null when no node is left.
             */
            private String replacement(String failed) {
                synchronized (Upload.this) {
                    if (failed != null) {
                        failedNodes.add(failed);
                    }
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
                    String next = placement.place(hash, new RedundancyPolicy.Replicas(1), size, candidates).nodeIds().stream()
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
                    if (durable < needed) {
                        shortfalls.add("shard " + hash.toHex() + " is durable on " + durable + " of the " + needed
                                + " distinct nodes policy " + described + " needs (live nodes: " + view.live().size() + ")");
                    }
                }
                slots.release();
            }
        }
    }

    /** Why a copy could not be stored on a node, and whether asking the same node again may succeed. */
    private record Failure(String why, boolean passing) {}

    /** Failures of a live node that may pass: a put-shard is idempotent, so asking again is safe. */
    private static final Set<NetErrorCode> PASSING = EnumSet.of(NetErrorCode.TIMEOUT, NetErrorCode.BUSY, NetErrorCode.CLOSED,
            NetErrorCode.HANDSHAKE_TIMEOUT, NetErrorCode.UNREACHABLE);

    private static void pauseBeforeAskingAgain() {
        try {
            Thread.sleep(200 + java.util.concurrent.ThreadLocalRandom.current().nextLong(300));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        pushes.shutdownNow();
    }
}
