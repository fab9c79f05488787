package io.stoq.node.store;

import io.stoq.crypto.hash.Hash256;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.InputStream;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Content-addressed shard storage as the node's services use it (the asset pipeline, the
 * storage sweep, the peer transport's shard service): shards named by the SHA3-256 of their
 * bytes, every read verified, failures as {@link NodeErrorCode}s. {@link LocalShardStore} keeps
 * them on this node's disk; a placement-aware store that spreads them over the network (next
 * issue) implements the same interface, so the services do not change when shards leave the node.
 *
 * <p>Codes: {@code HASH_MISMATCH} bytes offered under another hash (nothing kept),
 * {@code CORRUPT_DATA} stored bytes that no longer match (quarantined), {@code NOT_FOUND} a shard
 * not held, {@code INSUFFICIENT_SPACE} the reserve would be eaten, {@code IO_ERROR} anything else.
 *
 * <p>Implementations are thread-safe.
 */
public interface ShardStore extends AutoCloseable {
    /** What a put did: {@code alreadyPresent} when the bytes were stored before (not this caller's to discard). */
    record PutResult(Hash256 hash, long size, boolean alreadyPresent) {}

    /**
     * A put handed to {@link #putGrouped}: {@code alreadyPresent} is known at once (the bytes were
     * stored before, or another put of them is in flight, so they are not this caller's to
     * discard); {@code durable} completes when they are on disk, or fails with the
     * {@link NodeException} that stopped them.
     */
    record PendingPut(Hash256 hash, boolean alreadyPresent, CompletableFuture<Void> durable) {
        /** Waits for {@link #durable}; rethrows its failure. */
        public void await() throws NodeException {
            try {
                durable.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof NodeException n) {
                    throw new NodeException(n.code(), n.getMessage(), n);
                }
                throw new NodeException(NodeErrorCode.IO_ERROR, "the shard write failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /**
     * Stores the bytes readable from {@code in} under {@code expected}, which must be their
     * SHA3-256; returns once they are durable. Bytes from outside this process (a client, a peer)
     * always come through here.
     */
    PutResult put(Hash256 expected, InputStream in, long declaredSize) throws NodeException;

    /** As {@link #put(Hash256, InputStream, long)} for bytes in memory. */
    PutResult put(Hash256 expected, byte[] bytes) throws NodeException;

    /**
     * Stores a shard this process has just sealed and hashed (the node's own pipeline): durable
     * like {@link #put}, not hashed a second time.
     */
    PutResult putTrusted(Hash256 hash, byte[] bytes) throws NodeException;

    /**
     * Stores {@code bytes} (checked against {@code expected}) without waiting for the disk when
     * the store groups them ({@link #groupsSmall}); the caller waits on
     * {@link PendingPut#durable} before it acknowledges anything that needs them.
     */
    PendingPut putGrouped(Hash256 expected, byte[] bytes) throws NodeException;

    /** Whether {@link #putGrouped} group-commits {@code size} bytes rather than storing them at once. */
    boolean groupsSmall(long size);

    /** The shard's bytes, verified against {@code hash}; a mismatch is {@code CORRUPT_DATA} (and quarantined). */
    byte[] get(Hash256 hash) throws NodeException;

    /**
     * The shard's bytes unverified, for a reader that checks them against {@code hash} itself (and
     * calls {@link #get} on a mismatch, to have them checked and quarantined).
     */
    byte[] getForVerifier(Hash256 hash) throws NodeException;

    /** Whether the shard is held (not verified). */
    boolean contains(Hash256 hash);

    /** The stored size in bytes, empty when the shard is not held (not verified). */
    OptionalLong size(Hash256 hash) throws NodeException;

    /** Removes a shard; true if it was there. */
    boolean delete(Hash256 hash) throws NodeException;

    /** Calls {@code action} with the hash of every stored shard (sweeps, audits, repair scans). */
    void forEach(Consumer<Hash256> action) throws NodeException;

    /** Releases what the store holds open (after writing what it queued). */
    @Override
    void close();
}
