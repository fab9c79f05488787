package io.stoq.node.peer;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.discovery.Liveness;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.store.ShardStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's shard store for reads that may need another node's shards: what the local store
 * holds is read there; a shard or manifest it does not hold is fetched over STOQ from the alive
 * peers in turn ({@link PeerNetwork#fetch}, verified against its hash on receipt) and not kept.
 * Writes, deletes, scans and {@link #contains} are the local store's alone, so sweeps and seals
 * only ever touch what this node holds.
 *
 * <p>Until placement spreads shards (next issue) a version lives on the node it was uploaded
 * through; any member can read it this way. Thread-safe (the local store and the transport are).
 */
public final class PeerReadThrough implements ShardStore {
    private static final Logger LOG = LoggerFactory.getLogger(PeerReadThrough.class);

    private final ShardStore local;
    private final PeerNetwork peers;

    public PeerReadThrough(ShardStore local, PeerNetwork peers) {
        this.local = local;
        this.peers = peers;
    }

    @Override
    public byte[] get(Hash256 hash) throws NodeException {
        return local.contains(hash) ? local.get(hash) : fetch(hash);
    }

    @Override
    public byte[] getForVerifier(Hash256 hash) throws NodeException {
        return local.contains(hash) ? local.getForVerifier(hash) : fetch(hash);
    }

    /** The shard from the first alive peer that holds it; {@code NOT_FOUND} when none does (or none answers). */
    private byte[] fetch(Hash256 hash) throws NodeException {
        List<String> tried = new ArrayList<>();
        for (PeerStatus p : peers.peers()) {
            if (p.liveness() != Liveness.ALIVE || p.addresses().isEmpty()) {
                continue;
            }
            InetSocketAddress address = p.addresses().get(0);
            try {
                PeerConnection c = peers.connect(address);
                return peers.fetch(c, hash);
            } catch (NetException e) {
                if (e.code() != NetErrorCode.NOT_FOUND) {
                    LOG.debug("shard {} from node {}: {}", hash.toHex(), p.nodeId(), e.getMessage());
                }
                tried.add(p.nodeId() + " (" + e.code() + ")");
            } catch (IOException e) {
                tried.add(p.nodeId() + " (" + e.getMessage() + ")");
            }
        }
        throw new NodeException(NodeErrorCode.NOT_FOUND, "shard " + hash.toHex() + " is neither held here nor by an alive peer"
                + (tried.isEmpty() ? " (no peer alive)" : " (asked " + String.join(", ", tried) + ")"));
    }

    @Override
    public PutResult put(Hash256 expected, InputStream in, long declaredSize) throws NodeException {
        return local.put(expected, in, declaredSize);
    }

    @Override
    public PutResult put(Hash256 expected, byte[] bytes) throws NodeException {
        return local.put(expected, bytes);
    }

    @Override
    public PutResult putTrusted(Hash256 hash, byte[] bytes) throws NodeException {
        return local.putTrusted(hash, bytes);
    }

    @Override
    public PendingPut putGrouped(Hash256 expected, byte[] bytes) throws NodeException {
        return local.putGrouped(expected, bytes);
    }

    @Override
    public boolean groupsSmall(long size) {
        return local.groupsSmall(size);
    }

    @Override
    public boolean contains(Hash256 hash) {
        return local.contains(hash);
    }

    @Override
    public OptionalLong size(Hash256 hash) throws NodeException {
        return local.size(hash);
    }

    @Override
    public boolean delete(Hash256 hash) throws NodeException {
        return local.delete(hash);
    }

    @Override
    public void forEach(Consumer<Hash256> action) throws NodeException {
        local.forEach(action);
    }

    /** The local store is closed by its owner, not through this view. */
    @Override
    public void close() {}
}
