package io.stoq.node.store;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import io.stoq.fragmint.http.DataSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's local shard store: encrypted shards on disk, content-addressed by the SHA3-256 of
 * their bytes.
 *
 * <pre>
 * shards/
 *   ab/cd/abcd...ef        a shard, named by its hash (two levels of fan-out)
 *   tmp/                   writes in progress; emptied at open
 *   quarantine/            shards whose bytes no longer match their name
 * </pre>
 *
 * <p>Durability: a shard is written to {@code tmp/}, hashed while written, fsynced, renamed into
 * place and its directory fsynced (and a fan-out directory it had to create, into its parent)
 * before {@link #put} returns, so an acknowledged shard survives a
 * crash or kill -9; a crash mid-write leaves only a temp file, removed at the next open.
 * Integrity: {@link #get} re-hashes every shard before returning a byte, and moves a corrupt one to
 * {@code quarantine/} for repair. A write that would eat into the configured free-space reserve is
 * refused before anything is written.
 *
 * <p>Small shards and manifests (up to {@code store.small-shard-max}) written through
 * {@link #putGrouped} go into a {@link SmallShardStore} under {@code shards/small/} instead: RocksDB,
 * one synced write per group of concurrent puts. Every read, delete and scan here covers both.
 *
 * <p>Thread-safe: concurrent puts of the same shard race benignly (same bytes, same name).
 */
public final class LocalShardStore implements ShardStore {
    private static final Logger LOG = LoggerFactory.getLogger(LocalShardStore.class);
    private static final int BUFFER = 64 * 1024;
    /** Bytes of small puts that may wait for the group committer before puts block. */
    private static final long SMALL_QUEUE_BYTES = 64L << 20;

    private final Path root;
    private final Path tmp;
    private final Path quarantine;
    private final boolean fsync;
    private final DataSize minFree;
    private final DataSize maxShard;
    private final AtomicLong quarantined = new AtomicLong();
    /** Null when small shards are files like the others ({@code store.small-shard-max} 0). */
    private final SmallShardStore small;
    private final long smallMax;
    /**
     * The disk under {@code root}, looked up once at open: {@code Files.getFileStore} reads the
     * mount table on every call (about 70 us here), once per shard written before.
     */
    private FileStore disk;
    /** Grouped puts not yet durable, by hash: a second put of the same bytes waits for the first. */
    private final ConcurrentHashMap<Hash256, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

    private LocalShardStore(Path root, boolean fsync, DataSize minFree, DataSize maxShard, SmallShardStore small, long smallMax) {
        this.root = root;
        this.tmp = root.resolve("tmp");
        this.quarantine = root.resolve("quarantine");
        this.fsync = fsync;
        this.minFree = minFree;
        this.maxShard = maxShard;
        this.small = small;
        this.smallMax = smallMax;
    }

    /** Opens (creating if needed) a store under {@code root} and clears interrupted writes; every shard is a file. */
    public static LocalShardStore open(Path root, boolean fsync, DataSize minFree, DataSize maxShard) throws NodeException {
        return open(root, new Settings(fsync, minFree, maxShard, DataSize.ofBytes(0)));
    }

    /**
     * How a store writes: {@code fsync} each shard (off only for benchmarks), keep {@code minFree}
     * of the disk free, refuse shards over {@code maxShard}, and keep shards and manifests of at
     * most {@code smallShardMax} bytes given to {@link #putGrouped} in the group-committed
     * {@link SmallShardStore} under {@code root/small} (none when it is 0).
     */
    public record Settings(boolean fsync, DataSize minFree, DataSize maxShard, DataSize smallShardMax) {
        /** The {@code store.*} keys of {@code config}. */
        public static Settings from(NodeConfig config) {
            return new Settings(config.get(NodeConfigKeys.STORE_FSYNC), config.get(NodeConfigKeys.STORE_MIN_FREE),
                    config.get(NodeConfigKeys.STORE_MAX_SHARD), config.get(NodeConfigKeys.STORE_SMALL_SHARD_MAX));
        }
    }

    /** Opens (creating if needed) a store under {@code root} and clears interrupted writes. */
    public static LocalShardStore open(Path root, Settings settings) throws NodeException {
        boolean fsync = settings.fsync();
        DataSize minFree = settings.minFree();
        DataSize maxShard = settings.maxShard();
        DataSize smallMax = settings.smallShardMax();
        SmallShardStore small = smallMax.bytes() > 0 ? SmallShardStore.open(root.resolve("small"), fsync, SMALL_QUEUE_BYTES) : null;
        LocalShardStore store = new LocalShardStore(root, fsync, minFree, maxShard, small, smallMax.bytes());
        try {
            SecureFiles.createDirectoriesDurably(store.tmp);
            SecureFiles.createDirectoriesDurably(store.quarantine);
            store.disk = Files.getFileStore(root);
            int stale = 0;
            try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(store.tmp)) {
                for (Path file : leftovers) {
                    Files.deleteIfExists(file);
                    stale++;
                }
            }
            if (stale > 0) {
                LOG.info("removed {} interrupted shard write(s) from {}", stale, store.tmp);
            }
        } catch (IOException e) {
            store.close();
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot open shard store " + root + ": " + e.getMessage(), e);
        }
        return store;
    }

    /**
     * Stores {@code bytes} under {@code expected} (their SHA3-256, checked here) without waiting
     * for the disk when they are small: they join the next group of the {@link SmallShardStore}
     * and the caller waits on {@link PendingPut#durable} (or {@link PendingPut#await}) before it
     * acknowledges anything that needs them. Larger bytes are stored as by {@link #put} before
     * this returns. Refused like {@link #put}: hash mismatch, over the size limit, out of space.
     */
    @Override
    public PendingPut putGrouped(Hash256 expected, byte[] bytes) throws NodeException {
        if (small == null || bytes.length > smallMax) {
            PutResult r = put(expected, bytes);
            return new PendingPut(expected, r.alreadyPresent(), CompletableFuture.completedFuture(null));
        }
        Hash256 actual = Sha3.hash(bytes);
        if (!actual.equals(expected)) {
            throw new NodeException(NodeErrorCode.HASH_MISMATCH,
                    "shard bytes hash to " + actual + ", not to the announced " + expected + "; nothing stored");
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> other = inFlight.putIfAbsent(expected, mine);
        if (other != null) {
            return new PendingPut(expected, true, other);
        }
        try {
            if (small.contains(expected) || Files.isRegularFile(pathOf(expected))) {
                mine.complete(null);
                return new PendingPut(expected, true, mine);
            }
            requireSpace(bytes.length);
            small.put(expected, bytes).whenComplete((ok, failure) -> {
                if (failure == null) {
                    mine.complete(null);
                } else {
                    mine.completeExceptionally(failure);
                }
            });
            return new PendingPut(expected, false, mine);
        } catch (NodeException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            mine.whenComplete((ok, failure) -> inFlight.remove(expected, mine));
        }
    }

    /** Whether {@link #putGrouped} keeps {@code size} bytes in the small shard store (group-committed). */
    @Override
    public boolean groupsSmall(long size) {
        return small != null && size <= smallMax;
    }

    /** Counters of the small shard store (zeros when it is off). */
    public SmallShardStore.Stats smallStats() {
        return small == null ? new SmallShardStore.Stats(0, 0, 0) : small.stats();
    }

    /** Closes the small shard store (after writing its queued groups); file shards need nothing. */
    @Override
    public void close() {
        if (small != null) {
            small.close();
        }
    }

    /**
     * Stores the bytes readable from {@code in} under {@code expected}, which must be their SHA3-256.
     * Returns only once the shard is durable. Bytes that hash differently are discarded with
     * {@link NodeErrorCode#HASH_MISMATCH}; nothing is left behind.
     */
    @Override
    public PutResult put(Hash256 expected, InputStream in, long declaredSize) throws NodeException {
        return write(expected, in, declaredSize, true);
    }

    /**
     * Stores a shard the caller has just sealed and hashed in this process (the node's own shard
     * pipeline, whose hash is of these very bytes): written and made durable exactly like
     * {@link #put}, but not hashed a second time. Bytes from anywhere else (a peer, a client) go
     * through {@link #put}, which verifies them; every read ({@link #get}) verifies again.
     */
    @Override
    public PutResult putTrusted(Hash256 hash, byte[] bytes) throws NodeException {
        return write(hash, new java.io.ByteArrayInputStream(bytes), bytes.length, false);
    }

    private PutResult write(Hash256 expected, InputStream in, long declaredSize, boolean verify) throws NodeException {
        if (declaredSize > maxShard.bytes()) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "shard " + expected + " is " + declaredSize
                    + " bytes, larger than store.max-shard-size " + maxShard);
        }
        requireSpace(declaredSize);
        Path target = pathOf(expected);
        Path temp = tmp.resolve(UUID.randomUUID() + ".part");
        try {
            long written = 0;
            Sha3 sha3 = verify ? new Sha3() : null;
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[BUFFER];
                for (int n; (n = in.read(buf)) != -1; ) {
                    written += n;
                    if (written > maxShard.bytes()) {
                        throw new NodeException(NodeErrorCode.IO_ERROR, "shard " + expected + " exceeds store.max-shard-size " + maxShard);
                    }
                    if (sha3 != null) {
                        sha3.update(buf, 0, n);
                    }
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) {
                        out.write(bb);
                    }
                }
                if (fsync) {
                    out.force(true);
                }
            }
            Hash256 actual = sha3 == null ? expected : sha3.digest();
            if (!actual.equals(expected)) {
                throw new NodeException(NodeErrorCode.HASH_MISMATCH,
                        "shard bytes hash to " + actual + ", not to the announced " + expected + "; nothing stored");
            }
            if (Files.exists(target)) {
                return new PutResult(expected, written, true);
            }
            if (fsync) {
                // Each new fan-out level is fsynced into its parent: without that, a power loss
                // can take the directory, and the acknowledged shard in it, with it.
                SecureFiles.createDirectoriesDurably(target.getParent());
            } else {
                Files.createDirectories(target.getParent());
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // Another put of the same content won the race: identical bytes, same name.
                return new PutResult(expected, written, true);
            }
            if (fsync) {
                SecureFiles.fsyncDirectory(target.getParent());
            }
            return new PutResult(expected, written, false);
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot store shard " + expected + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                LOG.warn("could not remove temp file {}: {} (removed at next open)", temp, e.getMessage());
            }
        }
    }

    @Override
    public PutResult put(Hash256 expected, byte[] bytes) throws NodeException {
        return put(expected, new java.io.ByteArrayInputStream(bytes), bytes.length);
    }

    /**
     * Returns the shard's bytes after checking they still hash to {@code hash}. A mismatch moves
     * the file to quarantine and fails with {@link NodeErrorCode#CORRUPT_DATA}: the caller fetches
     * another replica, and the repair loop re-replicates.
     */
    @Override
    public byte[] get(Hash256 hash) throws NodeException {
        if (small != null) {
            byte[] kept = small.get(hash);
            if (kept != null) {
                Hash256 actual = Sha3.hash(kept);
                if (!actual.equals(hash)) {
                    quarantineSmall(hash, kept, "hashes to " + actual);
                }
                return kept;
            }
        }
        Path file = pathOf(hash);
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > maxShard.bytes()) {
                quarantine(hash, file, "is " + size + " bytes, beyond any shard this store accepts");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "shard " + hash + " is not stored on this node");
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read shard " + hash + ": " + e.getMessage(), e);
        }
        Hash256 actual = Sha3.hash(bytes);
        if (!actual.equals(hash)) {
            quarantine(hash, file, "hashes to " + actual);
        }
        return bytes;
    }

    /**
     * The shard's bytes as on disk, for a reader that verifies them against {@code hash} itself
     * (the asset reader checks length, hash and merkle proof of every shard before releasing a
     * byte, so a second hash here would only double the work). A reader that finds a mismatch
     * calls {@link #get} to have the file checked and quarantined.
     */
    @Override
    public byte[] getForVerifier(Hash256 hash) throws NodeException {
        if (small != null) {
            byte[] kept = small.get(hash);
            if (kept != null) {
                return kept;
            }
        }
        Path file = pathOf(hash);
        try {
            long size = Files.size(file);
            if (size > maxShard.bytes()) {
                quarantine(hash, file, "is " + size + " bytes, beyond any shard this store accepts");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "shard " + hash + " is not stored on this node");
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read shard " + hash + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean contains(Hash256 hash) {
        if (small != null) {
            try {
                if (small.contains(hash)) {
                    return true;
                }
            } catch (NodeException e) {
                LOG.warn("cannot look up shard {}: {}", hash, e.getMessage());
            }
        }
        return Files.isRegularFile(pathOf(hash));
    }

    /** The stored size of the shard in bytes, or empty when this node does not hold it (not verified: {@link #get} is). */
    @Override
    public java.util.OptionalLong size(Hash256 hash) throws NodeException {
        if (small != null) {
            byte[] kept = small.get(hash);
            if (kept != null) {
                return java.util.OptionalLong.of(kept.length);
            }
        }
        try {
            return java.util.OptionalLong.of(Files.size(pathOf(hash)));
        } catch (NoSuchFileException e) {
            return java.util.OptionalLong.empty();
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read shard " + hash + ": " + e.getMessage(), e);
        }
    }

    /** Removes a shard; true if it was there. */
    @Override
    public boolean delete(Hash256 hash) throws NodeException {
        if (small != null && small.delete(hash)) {
            return true;
        }
        try {
            return Files.deleteIfExists(pathOf(hash));
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot delete shard " + hash + ": " + e.getMessage(), e);
        }
    }

    /** Calls {@code action} with the hash of every stored shard (for audits and repair scans). */
    @Override
    public void forEach(Consumer<Hash256> action) throws NodeException {
        if (small != null) {
            small.forEach(action);
        }
        try (var level1 = Files.newDirectoryStream(root, "[0-9a-f][0-9a-f]")) {
            for (Path a : level1) {
                try (var level2 = Files.newDirectoryStream(a, "[0-9a-f][0-9a-f]")) {
                    for (Path b : level2) {
                        try (var files = Files.newDirectoryStream(b)) {
                            for (Path f : files) {
                                String name = f.getFileName().toString();
                                if (name.length() == 64 && name.matches("[0-9a-f]{64}")) {
                                    action.accept(Hash256.ofHex(name));
                                }
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot scan shard store " + root + ": " + e.getMessage(), e);
        }
    }

    /** How many corrupt shards this process has moved to quarantine. */
    public long quarantinedCount() {
        return quarantined.get();
    }

    Path pathOf(Hash256 hash) {
        String hex = hash.toHex();
        return root.resolve(hex.substring(0, 2)).resolve(hex.substring(2, 4)).resolve(hex);
    }

    private void quarantine(Hash256 hash, Path file, String why) throws NodeException {
        Path target = quarantine.resolve(hash.toHex() + "." + System.currentTimeMillis());
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.error("shard {} is corrupt and could not be quarantined: {}", hash, e.getMessage());
        }
        quarantined.incrementAndGet();
        LOG.warn("shard {} is corrupt on disk ({}); moved to {}", hash, why, target);
        throw new NodeException(NodeErrorCode.CORRUPT_DATA, "shard " + hash + " is corrupt on disk (" + why + "); quarantined");
    }

    /** As {@link #quarantine} for a small shard: its bytes go to a quarantine file, its record away. */
    private void quarantineSmall(Hash256 hash, byte[] bytes, String why) throws NodeException {
        Path target = quarantine.resolve(hash.toHex() + "." + System.currentTimeMillis());
        try {
            Files.write(target, bytes, StandardOpenOption.CREATE_NEW);
            small.delete(hash);
        } catch (IOException | NodeException e) {
            LOG.error("small shard {} is corrupt and could not be quarantined: {}", hash, e.getMessage());
        }
        quarantined.incrementAndGet();
        LOG.warn("small shard {} is corrupt ({}); moved to {}", hash, why, target);
        throw new NodeException(NodeErrorCode.CORRUPT_DATA, "shard " + hash + " is corrupt on disk (" + why + "); quarantined");
    }

    private void requireSpace(long bytes) throws NodeException {
        try {
            long usable = disk.getUsableSpace();
            if (usable - bytes < minFree.bytes()) {
                throw new NodeException(NodeErrorCode.INSUFFICIENT_SPACE, "refusing to store " + bytes + " bytes: only "
                        + DataSize.ofBytes(usable).approximate() + " free on " + root + " and store.min-free keeps " + minFree + " in reserve");
            }
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot check free space on " + root + ": " + e.getMessage(), e);
        }
    }
}
