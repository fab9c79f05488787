package io.stoq.node.store;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.store.RocksDurability;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.rocks.RocksStore;
import io.stoq.node.fault.FaultInjection;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small shards (and manifests) inside RocksDB, written in groups: every put waiting when the
 * committer thread comes round goes into one {@link WriteBatch} written with {@code sync=true},
 * so one fsync of RocksDB's log makes a whole group durable. Each waiter's future completes only
 * after that synced write returned, and a failed write fails every waiter of its group.
 *
 * <pre>
 *   upload threads:  put(hash, bytes) -> queue (bounded in bytes) -> future
 *   committer:       wait for a first put -> take every queued put -> one WriteBatch
 *                    -> fault point store.small-group-sync -> write(sync) -> complete the group
 * </pre>
 *
 * <p>Why RocksDB and not files: a file store pays a file fsync and a directory fsync per shard
 * (about 1.6k synced operations/s on this machine kind, shared by every upload); a 1 KiB upload
 * writes a shard and a manifest, so files alone cap a node near 800 uploads/s before any other
 * work, and each fsync is a wait on the upload's path. Grouping files needs one fsync per file all
 * the same (Java has no syncfs), and an append-only journal of our own would need its own index,
 * checksums, torn-tail handling and compaction: what RocksDB's log and tables already are, with
 * the damage checks of {@link RocksDurability} the ledger and the node database use. Large shards
 * stay files: their fsync is small next to writing megabytes, and RocksDB would rewrite them on
 * every compaction.
 *
 * <p>Thread-safe. The queue and counters are guarded by {@code lock}; the committer thread owns
 * the batch it took. {@link #close} stops new puts, writes what is queued and joins the committer.
 */
public final class SmallShardStore implements AutoCloseable {
    /** Fault point: the committer, about to write one group synced; the context is the group's size. */
    public static final String GROUP_SYNC = "store.small-group-sync";
    private static final Logger LOG = LoggerFactory.getLogger(SmallShardStore.class);
    /** A group is cut at this many bytes, so one write never holds the queue's whole bound. */
    private static final long MAX_GROUP_BYTES = 16L << 20;

    private final RocksStore store;
    private final RocksDB db;
    private final Path dir;
    private final WriteOptions groupWrite;
    private final WriteOptions plainWrite;
    private final long maxQueuedBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Thread committer;
    private final AtomicLong groups = new AtomicLong();
    private final AtomicLong puts = new AtomicLong();
    private final AtomicLong largestGroup = new AtomicLong();
    private long queuedBytes;
    private boolean closed;

    /**
     * What the store has done since it opened.
     *
     * @param groups synced writes made
     * @param puts shards and manifests they carried
     * @param largestGroup most puts one synced write carried
     */
    public record Stats(long groups, long puts, long largestGroup) {}

    private record Pending(byte[] key, byte[] value, CompletableFuture<Void> durable) {}

    private SmallShardStore(RocksStore store, boolean sync, long maxQueuedBytes) {
        this.store = store;
        this.db = store.db();
        this.dir = store.dir();
        this.groupWrite = new WriteOptions().setSync(sync);
        this.plainWrite = new WriteOptions();
        this.maxQueuedBytes = maxQueuedBytes;
        this.committer = new Thread(this::run, "stoq-small-shard-sync");
        this.committer.setDaemon(true);
    }

    /**
     * Opens (creating when absent) the store in {@code dir} with the node's RocksDB durability
     * rules: a damaged log record or table refuses the open ({@link NodeErrorCode#CORRUPT_DATA},
     * naming the file), a torn log tail from a crash during an unacknowledged write is dropped.
     *
     * @param sync whether group writes are fsynced ({@code store.fsync})
     * @param maxQueuedBytes puts block while this many bytes wait for the committer
     */
    public static SmallShardStore open(Path dir, boolean sync, long maxQueuedBytes) throws NodeException {
        DBOptions dbOptions = RocksDurability.configure(new DBOptions().setCreateIfMissing(true).setMaxOpenFiles(256)
                .setKeepLogFileNum(4));
        // Values of 4 KiB and more (manifests carry a 17 KB SLH-DSA seal) go to blob files at
        // flush, so compaction moves keys and pointers, not the bytes again and again.
        ColumnFamilyOptions cfOptions = RocksDurability.configure(new ColumnFamilyOptions().setWriteBufferSize(32L << 20)
                .setEnableBlobFiles(true).setMinBlobSize(4096).setEnableBlobGarbageCollection(true));
        SmallShardStore store = new SmallShardStore(RocksStore.open(dir, dbOptions, cfOptions, "the small shard store",
                "the small shards and manifests written after it"), sync, maxQueuedBytes);
        store.committer.start();
        return store;
    }

    /**
     * Queues {@code bytes} under {@code hash} for the next group; the future completes when the
     * group's synced write returned, or fails with a {@link NodeException} when it failed (then
     * nothing of the group may be taken as stored). Blocks while the queue holds its bound.
     * The caller has checked the bytes against the hash.
     */
    public CompletableFuture<Void> put(Hash256 hash, byte[] bytes) throws NodeException {
        Pending p = new Pending(hash.toBytes(), bytes, new CompletableFuture<>());
        lock.lock();
        try {
            while (!closed && queuedBytes > 0 && queuedBytes + bytes.length > maxQueuedBytes) {
                changed.awaitUninterruptibly();
            }
            if (closed) {
                throw new NodeException(NodeErrorCode.ILLEGAL_STATE, "the shard store is closed");
            }
            queue.addLast(p);
            queuedBytes += bytes.length;
            if (queue.size() == 1) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        return p.durable();
    }

    /** The stored bytes, or null; unchecked (the caller verifies them against the hash). */
    public byte[] get(Hash256 hash) throws NodeException {
        try {
            return db.get(hash.toBytes());
        } catch (RocksDBException e) {
            throw store.failure("cannot read shard " + hash, e);
        }
    }

    public boolean contains(Hash256 hash) throws NodeException {
        return get(hash) != null;
    }

    /**
     * Removes a shard; true if it was there. Not synced: a delete lost in a crash leaves an
     * unreferenced shard, which the start-up orphan sweep removes again.
     */
    public boolean delete(Hash256 hash) throws NodeException {
        try {
            byte[] key = hash.toBytes();
            if (db.get(key) == null) {
                return false;
            }
            db.delete(plainWrite, key);
            return true;
        } catch (RocksDBException e) {
            throw store.failure("cannot delete shard " + hash, e);
        }
    }

    /** Calls {@code action} with the hash of every stored small shard. */
    public void forEach(Consumer<Hash256> action) throws NodeException {
        try (RocksIterator it = db.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length == 32) {
                    action.accept(Hash256.of(k));
                }
            }
            it.status();
        } catch (RocksDBException e) {
            throw store.failure("cannot scan the small shards", e);
        }
    }

    public Stats stats() {
        return new Stats(groups.get(), puts.get(), largestGroup.get());
    }

    private void run() {
        while (true) {
            List<Pending> group = take();
            if (group == null) {
                return;
            }
            write(group);
        }
    }

    /** Every queued put up to {@link #MAX_GROUP_BYTES}, waiting for a first one; null once closed and drained. */
    private List<Pending> take() {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (closed) {
                    return null;
                }
                changed.awaitUninterruptibly();
            }
            List<Pending> group = new ArrayList<>();
            long bytes = 0;
            while (!queue.isEmpty() && (group.isEmpty() || bytes + queue.peekFirst().value().length <= MAX_GROUP_BYTES)) {
                Pending p = queue.pollFirst();
                bytes += p.value().length;
                group.add(p);
            }
            queuedBytes -= bytes;
            changed.signalAll(); // puts blocked on the bound may go on
            return group;
        } finally {
            lock.unlock();
        }
    }

    private void write(List<Pending> group) {
        try (WriteBatch batch = new WriteBatch()) {
            for (Pending p : group) {
                batch.put(p.key(), p.value());
            }
            FaultInjection.at(GROUP_SYNC, group.size());
            db.write(groupWrite, batch);
        } catch (RocksDBException | RuntimeException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            NodeException failure = new NodeException(NodeErrorCode.IO_ERROR, "the synced write of " + group.size()
                    + " small shards to " + dir + " failed: " + e.getMessage(), e);
            LOG.error("{}", failure.getMessage());
            group.forEach(p -> p.durable().completeExceptionally(failure));
            return;
        }
        groups.incrementAndGet();
        puts.addAndGet(group.size());
        largestGroup.accumulateAndGet(group.size(), Math::max);
        group.forEach(p -> p.durable().complete(null));
    }

    /** Refuses new puts, writes the queued ones and closes the database. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        while (committer.isAlive()) {
            try {
                committer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        groupWrite.close();
        plainWrite.close();
        store.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
