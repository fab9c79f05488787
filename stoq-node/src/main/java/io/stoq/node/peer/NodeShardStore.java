package io.stoq.node.peer;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.shard.ShardStore;
import io.stoq.node.NodeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.OptionalLong;

/**
 * The node's shard store ({@link io.stoq.node.store.ShardStore}, local today) as stoq-net's {@link ShardStore}: what peers fetch and
 * push with {@code get-shard} and {@code put-shard}. A read serves only bytes that still hash
 * to their id ({@link io.stoq.node.store.ShardStore#get} verifies the whole shard, and quarantines a corrupt
 * one); a write is hashed as it streams to disk and kept only if it hashes to the announced id,
 * so shards from elsewhere are always verified on receipt. Node error codes become the codes the
 * peer sees: not held is {@code NOT_FOUND}, bytes that do not hash to their id (received or on
 * disk) {@code INTEGRITY}, no room or too large {@code REFUSED}, anything else {@code INTERNAL}
 * (the detail stays in this node's log).
 */
final class NodeShardStore implements ShardStore {
    private static final int CHUNK = 64 * 1024;
    private final io.stoq.node.store.ShardStore store;
    private final long maxShardBytes;
    private final java.util.concurrent.atomic.AtomicLong served;

    NodeShardStore(io.stoq.node.store.ShardStore store, long maxShardBytes, java.util.concurrent.atomic.AtomicLong served) {
        this.store = store;
        this.maxShardBytes = maxShardBytes;
        this.served = served;
    }

    @Override
    public OptionalLong size(Hash256 id) throws NetException {
        try {
            return store.size(id);
        } catch (NodeException e) {
            throw net(e);
        }
    }

    @Override
    public void read(Hash256 id, long offset, long length, OutputStream out) throws NetException, IOException {
        byte[] bytes;
        try {
            bytes = store.get(id); // whole-shard verification: a range alone cannot be checked against the id
        } catch (NodeException e) {
            throw net(e);
        }
        long end = Math.min(bytes.length, offset + length);
        for (long pos = offset; pos < end; pos += CHUNK) {
            out.write(bytes, (int) pos, (int) Math.min(CHUNK, end - pos));
        }
        if (length > 0) {
            served.incrementAndGet(); // a size-only probe (length 0) is not a read
        }
    }

    @Override
    public boolean write(Hash256 id, long length, InputStream in) throws NetException, IOException {
        if (length > maxShardBytes) {
            throw new NetException(NetErrorCode.REFUSED, "a shard of " + length + " bytes exceeds store.max-shard-size ("
                    + maxShardBytes + " bytes)");
        }
        Exactly body = new Exactly(in, length);
        try {
            io.stoq.node.fault.FaultInjection.at(io.stoq.node.fault.FaultInjection.SHARD_RECEIVED,
                    new io.stoq.node.fault.FaultInjection.ShardArrival(store, id));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetException(NetErrorCode.INTERNAL, "interrupted before storing shard " + id.toHex());
        }
        try {
            boolean stored = !store.put(id, body, length).alreadyPresent();
            if (body.left > 0) {
                throw new NetException(NetErrorCode.INTEGRITY, "shard " + id.toHex() + " ended after " + (length - body.left)
                        + " of the " + length + " bytes announced");
            }
            return stored;
        } catch (NodeException e) {
            throw net(e);
        }
    }

    private static NetException net(NodeException e) {
        NetErrorCode code = switch (e.code()) {
            case NOT_FOUND -> NetErrorCode.NOT_FOUND;
            case HASH_MISMATCH, CORRUPT_DATA -> NetErrorCode.INTEGRITY;
            case INSUFFICIENT_SPACE -> NetErrorCode.REFUSED;
            default -> NetErrorCode.INTERNAL;
        };
        return new NetException(code, e.getMessage(), e);
    }

    /** At most {@code length} bytes of the peer's body; what is left after them is the caller's to check. */
    private static final class Exactly extends InputStream {
        private final InputStream in;
        long left;

        Exactly(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
