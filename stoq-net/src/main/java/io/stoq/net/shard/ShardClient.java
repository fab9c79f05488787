package io.stoq.net.shard;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetIoException;
import io.stoq.net.PeerConnection;
import io.stoq.net.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Fetches and stores shards on a peer. A large shard can be fetched over several streams of one
 * connection at once ({@link #getParallel}), each carrying one contiguous range; every transfer's
 * bytes and time go to the {@link TransferListener} (per-peer throughput).
 *
 * <p>Thread-safe; the executor runs the extra streams of parallel downloads.
 */
public final class ShardClient {
    private static final int BUFFER = 64 * 1024;

    private final ExecutorService executor;
    private final TransferListener listener;

    public ShardClient(ExecutorService executor, TransferListener listener) {
        this.executor = executor;
        this.listener = listener;
    }

    /** The size of shard {@code id} on the peer; NOT_FOUND when it holds none. */
    public long size(PeerConnection peer, Hash256 id) throws NetException {
        try (Reply reply = peer.call(MessageType.GET_SHARD, ShardMessages.getArgs(id, 0, 0))) {
            return ShardMessages.parseGetMeta(reply.meta())[0];
        }
    }

    /** Streams the whole shard to {@code out} over one stream; returns its size. */
    public long get(PeerConnection peer, Hash256 id, OutputStream out) throws NetException, IOException {
        long start = System.nanoTime();
        long n = getRange(peer, id, 0, Long.MAX_VALUE >>> 1, (pos, b, off, len) -> out.write(b, off, len));
        listener.transferred(peer.peer().nodeId(), n, Duration.ofNanos(System.nanoTime() - start));
        return n;
    }

    /**
     * Fetches the shard over {@code streams} streams at once, each range written to {@code sink} at
     * its position; returns the size. One failed range fails the whole transfer.
     */
    public long getParallel(PeerConnection peer, Hash256 id, RangeSink sink, int streams) throws NetException, IOException {
        long start = System.nanoTime();
        long size = size(peer, id);
        int parts = (int) Math.max(1, Math.min(streams, (size + BUFFER - 1) / BUFFER));
        long step = (size + parts - 1) / parts;
        List<Future<Long>> futures = new ArrayList<>();
        for (int i = 1; i < parts; i++) {
            long offset = i * step;
            long length = Math.min(step, size - offset);
            futures.add(executor.submit(() -> getRange(peer, id, offset, length, sink)));
        }
        long total = getRange(peer, id, 0, Math.min(step, size), sink);
        for (Future<Long> f : futures) {
            total += await(f);
        }
        if (total != size) {
            throw new NetException(NetErrorCode.INTEGRITY, "shard " + id.toHex() + " arrived with " + total + " of " + size + " bytes");
        }
        listener.transferred(peer.peer().nodeId(), total, Duration.ofNanos(System.nanoTime() - start));
        return total;
    }

    private long getRange(PeerConnection peer, Hash256 id, long offset, long length, RangeSink sink)
            throws NetException, IOException {
        try (Reply reply = peer.call(MessageType.GET_SHARD, ShardMessages.getArgs(id, offset, length))) {
            long[] meta = ShardMessages.parseGetMeta(reply.meta());
            long expected = meta[2];
            long got = 0;
            byte[] buf = new byte[BUFFER];
            InputStream body = reply.body();
            for (int r; (r = body.read(buf)) != -1; ) {
                sink.write(offset + got, buf, 0, r);
                got += r;
            }
            if (got != expected) {
                throw new NetException(NetErrorCode.INTEGRITY, "range " + offset + "+" + expected + " of shard " + id.toHex()
                        + " arrived with " + got + " bytes");
            }
            return got;
        } catch (NetIoException e) {
            throw e.toNetException();
        }
    }

    /** Stores {@code length} bytes from {@code in} on the peer as shard {@code id}; false if it held it already. */
    public boolean put(PeerConnection peer, Hash256 id, long length, InputStream in) throws NetException {
        long start = System.nanoTime();
        try (Reply reply = peer.call(MessageType.PUT_SHARD, ShardMessages.putArgs(id, length), out -> in.transferTo(out))) {
            byte[] meta = reply.meta();
            listener.transferred(peer.peer().nodeId(), length, Duration.ofNanos(System.nanoTime() - start));
            return meta.length == 1 && meta[0] == 0;
        }
    }

    private static long await(Future<Long> f) throws NetException, IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetException(NetErrorCode.CLOSED, "interrupted during a parallel transfer");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NetException n) {
                throw n;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new NetException(NetErrorCode.INTERNAL, "a parallel range failed: " + e.getCause(), e.getCause());
        }
    }
}
