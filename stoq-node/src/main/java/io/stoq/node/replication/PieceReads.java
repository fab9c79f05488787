package io.stoq.node.replication;

import io.stoq.crypto.hash.Hash256;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.peer.PeerReadThrough;
import io.stoq.placement.PlacementException;
import io.stoq.placement.erasure.ErasureCodec;
import io.stoq.placement.erasure.ErasureLayout;
import io.stoq.placement.erasure.Piece;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.manifest.PieceLayouts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of erasure coding: one shard of an {@code erasure:K+M} version rebuilt from any
 * k of its pieces. Pieces this node holds come first, then data pieces before parity (k data
 * pieces need no decoding, only concatenation), each fetched through {@link PeerReadThrough}
 * from the nodes whose location proofs list it (least loaded first, as for whole shards); k
 * fetches run at once and each one that fails (holder gone, piece missing, bytes that do not
 * hash to the manifest's piece hash) is replaced by the next piece, so the read uses whichever k
 * pieces arrive. When fewer than k could be had, the failed pieces are asked for again, up to
 * {@value #PASSES} rounds in all, one and then two seconds apart (a live holder that could not be
 * dialled at that moment, under load, is usually reachable a moment later). Every piece is checked against the manifest's hash for its index before it is
 * decoded; the rebuilt shard is then checked against the shard hash by the caller's
 * {@code AssetReader}, as a whole shard is.
 *
 * <p>Thread-safe: fetches run on a pool of its own ({@value #FETCH_THREADS} daemon threads, idle ones ending, so
 * one read waits for at most k of them and a read-ahead pool calling in cannot deadlock it); each
 * decoding thread keeps its own coder (Ozone's decoder is not thread-safe).
 */
public final class PieceReads implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PieceReads.class);
    /** Piece fetches under way at once, over all reads of this node. */
    public static final int FETCH_THREADS = 8;
    /** Rounds over the pieces that failed before a read gives up (a holder unreachable for a moment is asked again). */
    static final int PASSES = 3;
    /** Pause before the second round; the third waits twice as long. */
    static final java.time.Duration PASS_PAUSE = java.time.Duration.ofSeconds(1);

    private final PeerReadThrough store;
    private final java.util.concurrent.ThreadPoolExecutor fetches = new java.util.concurrent.ThreadPoolExecutor(FETCH_THREADS,
            FETCH_THREADS, 30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "stoq-piece-fetch");
                t.setDaemon(true);
                return t;
            });
    private final ThreadLocal<Map<Long, ErasureCodec>> codecs = ThreadLocal.withInitial(HashMap::new);

    public PieceReads(PeerReadThrough store) {
        this.store = store;
        fetches.allowCoreThreadTimeOut(true); // idle threads end: a node that reads no erasure version keeps none
    }

    /**
     * The stored bytes of shard {@code index} (entry {@code entry}) of a version laid out as
     * {@code layouts}, rebuilt from k pieces; {@code holders} gives the nodes whose proofs list a
     * piece hash. {@code NOT_FOUND} when fewer than k good pieces can be had.
     */
    public byte[] shard(int index, ShardEntry entry, PieceLayouts layouts, Function<Hash256, List<String>> holders)
            throws NodeException {
        PieceLayouts.Shard s = layouts.shards().get(index);
        ErasureLayout layout = new ErasureLayout(layouts.k(), layouts.m(), entry.storedLength(), s.pieceSize(), s.pieceHashes());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < layouts.pieces(); i++) {
            order.add(i);
        }
        // held here first (no transfer), then data before parity (no decoding when all k data pieces come)
        order.sort(Comparator.comparingInt((Integer i) -> store.contains(s.pieceHashes().get(i)) ? 0 : 1).thenComparingInt(i -> i));
        List<Piece> good = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try {
            for (int pass = 1; good.size() < layouts.k(); pass++) {
                List<Integer> failed = fetchUntilK(order, layout, holders, good, failures);
                if (good.size() >= layouts.k() || pass == PASSES || failed.size() + good.size() < layouts.k()) {
                    break;
                }
                // a holder that could not be dialled now (its handshakes queued behind others', a
                // heartbeat late under load) is often there a moment later: try the failed pieces again
                Thread.sleep(PASS_PAUSE.toMillis() * pass);
                order = failed;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "interrupted while fetching the pieces of shard " + entry.hash().toHex());
        }
        if (good.size() < layouts.k()) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "shard " + entry.hash().toHex() + " has " + good.size() + " of the "
                    + layouts.k() + " pieces it needs within reach: " + String.join("; ", failures));
        }
        if (!failures.isEmpty()) {
            LOG.info("shard {} rebuilt from {} pieces; {} could not be used: {}", entry.hash().toHex(), good.size(), failures.size(),
                    String.join("; ", failures));
        }
        try {
            return codec(layouts).decode(layout, good);
        } catch (PlacementException e) {
            // every piece was checked against the layout already: this is the coder itself failing
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "shard " + entry.hash().toHex() + " could not be rebuilt from pieces "
                    + good.stream().map(p -> Integer.toString(p.index())).toList() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fetches pieces in {@code order}, k at a time, replacing each failure with the next, until
     * {@code good} holds k pieces or {@code order} is exhausted; returns the indexes that failed.
     */
    private List<Integer> fetchUntilK(List<Integer> order, ErasureLayout layout, Function<Hash256, List<String>> holders, List<Piece> good,
            List<String> failures) throws InterruptedException {
        ExecutorCompletionService<Piece> done = new ExecutorCompletionService<>(fetches);
        Map<Future<Piece>, Integer> started = new HashMap<>();
        List<Integer> failed = new ArrayList<>();
        int next = 0;
        int running = 0;
        try {
            for (; next < order.size() && running < layout.k() - good.size(); next++, running++) {
                started.put(done.submit(fetch(order.get(next), layout, holders)), order.get(next));
            }
            while (good.size() < layout.k() && running > 0) {
                Future<Piece> f = done.take();
                running--;
                try {
                    good.add(f.get());
                } catch (ExecutionException e) {
                    failures.add(e.getCause().getMessage());
                    failed.add(started.get(f));
                    if (next < order.size()) {
                        started.put(done.submit(fetch(order.get(next), layout, holders)), order.get(next));
                        next++;
                        running++;
                    }
                }
            }
        } finally {
            started.keySet().forEach(f -> f.cancel(true));
        }
        failed.addAll(order.subList(next, order.size()));
        return failed;
    }

    private java.util.concurrent.Callable<Piece> fetch(int i, ErasureLayout layout, Function<Hash256, List<String>> holders) {
        return () -> {
            Hash256 hash = layout.pieceHashes().get(i);
            byte[] bytes;
            try {
                bytes = store.getForVerifier(hash, holders.apply(hash));
            } catch (NodeException e) {
                throw new NodeException(e.code(), "piece " + i + ": " + e.getMessage(), e);
            }
            Piece piece = Piece.of(i, bytes);
            try {
                layout.verify(piece); // a local copy is not hashed by the store; a fetched one was, this is cheap insurance
            } catch (PlacementException e) {
                if (store.contains(hash)) {
                    try {
                        store.get(hash); // the store re-hashes it and quarantines a corrupt copy
                    } catch (NodeException quarantined) {
                        LOG.warn("piece {} ({}) of this node is corrupt: {}", i, hash.toHex(), quarantined.getMessage());
                    }
                }
                throw new NodeException(NodeErrorCode.HASH_MISMATCH, "piece " + i + ": " + e.getMessage(), e);
            }
            return piece;
        };
    }

    private ErasureCodec codec(PieceLayouts layouts) {
        return codecs.get().computeIfAbsent(((long) layouts.k() << 32) | layouts.m(),
                key -> ErasureCodec.of(new RedundancyPolicy.Erasure(layouts.k(), layouts.m())));
    }

    @Override
    public void close() {
        fetches.shutdownNow();
    }
}
