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
 * pieces arrive. Every piece is checked against the manifest's hash for its index before it is
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
    public static final int FETCH_THREADS = 16;

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
        ExecutorCompletionService<Piece> done = new ExecutorCompletionService<>(fetches);
        List<Future<Piece>> started = new ArrayList<>();
        List<Piece> good = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        int next = 0;
        int running = 0;
        try {
            for (; next < order.size() && running < layouts.k(); next++, running++) {
                started.add(done.submit(fetch(order.get(next), layout, holders)));
            }
            while (good.size() < layouts.k() && running > 0) {
                Future<Piece> f = done.take();
                running--;
                try {
                    good.add(f.get());
                } catch (ExecutionException e) {
                    failures.add(e.getCause().getMessage());
                    if (next < order.size()) {
                        started.add(done.submit(fetch(order.get(next++), layout, holders)));
                        running++;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(NodeErrorCode.UNAVAILABLE, "interrupted while fetching the pieces of shard " + entry.hash().toHex());
        } finally {
            started.forEach(f -> f.cancel(true));
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
