package io.stoq.node.assets;

import io.stoq.shard.ShardException;
import io.stoq.shard.assemble.AssetReader;
import io.stoq.shard.codec.CodecPool;
import io.stoq.shard.manifest.AssetManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Exactly {@code [first, first + length)} of an asset's plaintext, produced shard by shard: each
 * shard is fetched and fully verified by {@link AssetReader} (length, hash, merkle proof, AES-GCM
 * tag, decompressed length) before any of its bytes are returned. Only the shards overlapping the
 * range are ever fetched.
 *
 * <p><b>Read-ahead.</b> While the caller copies one shard out, the next ones (at most
 * {@code readAhead}) are fetched, verified, decrypted and decompressed on the node's
 * {@link CodecPool}, each holding its bytes of the pool's memory budget. When the budget is spent
 * (many downloads and uploads at once) the stream reads the next shard on the caller's thread
 * instead, so it always progresses and never waits for budget. {@link #close()} (the API calls it
 * when the client goes away) cancels queued read-ahead, gives the budget back and drops every
 * buffer; a shard already being read finishes on its pool thread and is dropped.
 *
 * <p>One reader thread at a time (the API's download pump); the pool threads only run the
 * submitted reads.
 */
final class ContentStream extends InputStream {
    private final AssetReader reader;
    private final CodecPool pool;
    private final int readAhead;
    private final long[] offsets;
    private final int lastShard;
    private final long end;
    private final ArrayDeque<Ahead> ahead = new ArrayDeque<>();
    private long position;
    /** The next shard to hand out (the head of {@code ahead} when read-ahead has it). */
    private int shard;
    /** The next shard to submit for read-ahead. */
    private int nextAhead;
    private byte[] plain;
    private int plainPos;
    private boolean closed;

    private record Ahead(int shard, Future<byte[]> future, int units) {}

    /** Told about a shard whose stored bytes failed verification (the store re-checks and quarantines it). */
    @FunctionalInterface
    interface CorruptShards {
        void found(int index);
    }

    private final CorruptShards corrupt;

    ContentStream(AssetReader reader, AssetManifest manifest, long first, long length, CodecPool pool, int readAhead,
            CorruptShards corrupt) {
        this.reader = reader;
        this.corrupt = corrupt;
        this.pool = pool;
        this.readAhead = readAhead;
        int n = manifest.shards().size();
        this.offsets = new long[n + 1];
        for (int i = 0; i < n; i++) {
            offsets[i + 1] = offsets[i] + manifest.shards().get(i).plainLength();
        }
        this.position = first;
        this.end = first + length;
        int s = 0;
        while (s < n && offsets[s + 1] <= first) {
            s++;
        }
        this.shard = s;
        this.nextAhead = s;
        int last = s;
        while (last + 1 < n && offsets[last + 1] < end) {
            last++;
        }
        this.lastShard = length == 0 ? s - 1 : last;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the content stream is closed");
        }
        if (position >= end) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        while (plain == null || plainPos >= plain.length) {
            load();
        }
        int n = (int) Math.min(Math.min(len, plain.length - plainPos), end - position);
        System.arraycopy(plain, plainPos, b, off, n);
        plainPos += n;
        position += n;
        return n;
    }

    private void load() throws IOException {
        if (shard > lastShard) {
            throw new IOException("asset content ended before the requested range");
        }
        plain = null;
        Ahead head = ahead.peek();
        try {
            if (head != null && head.shard() == shard) {
                ahead.poll();
                try {
                    plain = head.future().get();
                } finally {
                    pool.unreserve(head.units());
                }
            } else {
                // Not read ahead (first shard, or the budget was spent): read it here, with the
                // following ones already under way on the pool.
                nextAhead = Math.max(nextAhead, shard + 1);
                topUp();
                plain = reader.shard(shard);
            }
        } catch (ShardException e) {
            throw failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading shard " + shard);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ShardException se) {
                throw failed(se);
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("shard " + shard + " could not be read: " + cause, cause);
        }
        plainPos = (int) Math.max(0, position - offsets[shard]);
        shard++;
        topUp();
    }

    private IOException failed(ShardException e) {
        switch (e.code()) {
            case SHARD_HASH_MISMATCH, SHARD_TRUNCATED -> corrupt.found(shard);
            default -> { }
        }
        return new IOException("shard " + shard + " failed verification: " + e.getMessage(), e);
    }

    /** Submits read-ahead for the shards after the current one while the window and the budget allow. */
    private void topUp() {
        while (ahead.size() < readAhead && nextAhead <= lastShard) {
            long bytes = 2L * (offsets[nextAhead + 1] - offsets[nextAhead]);
            int units = pool.tryReserve(bytes);
            if (units < 0) {
                return;
            }
            int i = nextAhead;
            Future<byte[]> future;
            try {
                future = pool.submit(() -> reader.shard(i));
            } catch (RuntimeException e) { // the pool is shutting down: read on this thread
                pool.unreserve(units);
                return;
            }
            nextAhead++;
            ahead.add(new Ahead(i, future, units));
        }
    }

    /** How many shards are being read ahead right now (tests). */
    int readingAhead() {
        return ahead.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        plain = null;
        for (Ahead a; (a = ahead.poll()) != null; ) {
            a.future().cancel(false);
            pool.unreserve(a.units());
        }
    }
}
