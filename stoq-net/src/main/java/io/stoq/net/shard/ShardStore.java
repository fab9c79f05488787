package io.stoq.net.shard;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.OptionalLong;

/**
 * The shard store as the peer transport needs it; the node adapts its {@code LocalShardStore}.
 * Shards are content-addressed by the SHA3-256 of their (encrypted) bytes. Failures are
 * {@link NetException}s whose codes reach the peer: {@code NOT_FOUND}, {@code INTEGRITY} (bytes
 * that do not hash to their id, or a stored shard found corrupt), {@code REFUSED} (no room, too
 * large), {@code INTERNAL}.
 */
public interface ShardStore {
    /** The shard's size in bytes, or empty when this node does not hold it. */
    OptionalLong size(Hash256 id) throws NetException;

    /**
     * Writes bytes {@code [offset, offset + length)} of the shard to {@code out}, verified against
     * its id first (a store that cannot verify a range alone verifies the whole shard).
     */
    void read(Hash256 id, long offset, long length, OutputStream out) throws NetException, IOException;

    /**
     * Stores {@code length} bytes from {@code in} as shard {@code id}, durably before returning;
     * refuses bytes whose hash is not {@code id}. Returns false when the shard was already held.
     */
    boolean write(Hash256 id, long length, InputStream in) throws NetException, IOException;
}
