package io.stoq.node.replication;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.PeerRequest;
import io.stoq.net.Reply;
import io.stoq.net.Responder;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.LedgerWriter;
import io.stoq.node.peer.PeerNetwork;
import io.stoq.node.store.ShardStore;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Location proofs: after a version commits, every node that stores shards of it commits one
 * {@code LOCATION_PROOF} (asset, version, its node id, the hashes it holds), signed with its own
 * Falcon node key, so the ledger says where each shard is. The writer commits its own and asks
 * each other holder with a {@code prove-locations} request (node message type {@code 0x0130});
 * the holder checks that it holds every hash it is asked to prove (a proof is its word, not the
 * writer's), skips a version it proved already, commits, and answers.
 *
 * <p>Wire, {@code prove-locations}: arguments {@code u8 version (1) · 32 asset id · u64 asset
 * version · u16 count (1..4096) · count x 32 hash}; version 2, the same arguments, asks for the
 * proof of copies repair brought ({@link #proveRepaired}: one more proof of the hashes the
 * holder's earlier proofs of the version do not list); reply metadata {@code u8 1} committed now,
 * {@code u8 2} proved before. {@code BAD_REQUEST} for malformed arguments, {@code NOT_FOUND} when
 * a hash is not held, {@code BUSY} beyond {@value #CONCURRENT} proofs in progress,
 * {@code REFUSED} when the ledger refuses the proof.
 *
 * <p>Thread-safe; proofs requested by the writer run on a small pool of their own.
 */
public final class LocationProofs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocationProofs.class);
    public static final MessageType TYPE = new MessageType(0x0130, "prove-locations");
    /** Proofs this node signs and commits at once for peers (each costs a Falcon signature and a commit). */
    static final int CONCURRENT = 4;
    private static final byte WIRE_VERSION = 1;
    /** The same arguments, asking for a proof of copies repair brought (committed even when the version was proved before). */
    private static final byte REPAIR_WIRE_VERSION = 2;

    private final LedgerWriter ledger;
    private final SigningKey nodeKey;
    private final String selfId;
    private final ShardStore local;
    private final PeerNetwork peers;
    private final Duration timeout;
    private final Semaphore serving = new Semaphore(CONCURRENT);
    private final ExecutorService asking = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "stoq-location-proof");
        t.setDaemon(true);
        return t;
    });

    public LocationProofs(LedgerWriter ledger, SigningKey nodeKey, String selfId, ShardStore local, PeerNetwork peers, Duration timeout) {
        this.ledger = ledger;
        this.nodeKey = nodeKey;
        this.selfId = selfId;
        this.local = local;
        this.peers = peers;
        this.timeout = timeout;
    }

    /** Serves {@code prove-locations} from now on. */
    public LocationProofs start() {
        peers.handle(TYPE, this::onProve);
        return this;
    }

    /**
     * Has every holder in {@code holdings} commit its proof for the version, in parallel, and
     * waits (at most the timeout). Returns node id to null (proved) or why not; a holder that
     * could not prove leaves its copies without a proof (the read path still finds them by asking).
     */
    public Map<String, String> prove(Hash256 assetId, long version, Map<String, List<Hash256>> holdings) {
        Map<String, CompletableFuture<String>> asked = new LinkedHashMap<>();
        holdings.forEach((node, hashes) -> {
            List<Hash256> list = hashes.subList(0, Math.min(hashes.size(), Limits.MAX_SHARDS));
            // This node's own proof is a ledger submission that holds no thread while it waits: on
            // the asking pool, its four threads capped a node's uploads at four commits in flight.
            asked.put(node, node.equals(selfId) ? submitOwn(assetId, version, list)
                    : CompletableFuture.supplyAsync(() -> ask(node, encode(WIRE_VERSION, assetId, version, list)), asking));
        });
        Map<String, String> out = new LinkedHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<String, CompletableFuture<String>> e : asked.entrySet()) {
            String why;
            try {
                why = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException x) {
                why = "no answer within " + timeout;
            } catch (java.util.concurrent.ExecutionException x) {
                why = String.valueOf(x.getCause());
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                why = "interrupted";
            }
            if (why != null) {
                LOG.warn("node {} did not prove its copies of asset {} version {}: {}", e.getKey(), assetId.toHex(), version, why);
            }
            out.put(e.getKey(), why);
        }
        return out;
    }

    /**
     * Has {@code node} prove copies that repair just brought it: unlike {@link #prove}, a holder
     * that proved the version before commits one more proof listing the hashes its earlier proofs
     * did not (wire version 2). Returns null when proved (now or before), else why not.
     */
    public String proveRepaired(String node, Hash256 assetId, long version, List<Hash256> hashes) {
        List<Hash256> list = hashes.subList(0, Math.min(hashes.size(), Limits.MAX_SHARDS));
        if (node.equals(selfId)) {
            try {
                commitAdded(assetId, version, list);
                return null;
            } catch (NodeException | LedgerException e) {
                return e.getMessage();
            }
        }
        return ask(node, encode(REPAIR_WIRE_VERSION, assetId, version, list));
    }

    /** This node's proof of the version, submitted without waiting: completes with null when proved (now or before), else why not. */
    private CompletableFuture<String> submitOwn(Hash256 assetId, long version, List<Hash256> hashes) {
        try {
            if (ledger.reader().state().hasLocation(assetId, version, selfId)) {
                return CompletableFuture.completedFuture(null);
            }
        } catch (LedgerException e) {
            return CompletableFuture.completedFuture(e.getMessage());
        }
        return ledger.submit(nodeKey, List.of(), new TxBody.LocationProof(assetId, version, selfId, hashes)).handle((committed, failure) -> {
            if (failure == null) {
                return null;
            }
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return cause instanceof TxRejectedException t && t.reason() == RejectReason.ALREADY_EXISTS ? null : cause.getMessage();
        });
    }

    private String ask(String node, byte[] args) {
        PeerStatus p = peers.peers().stream().filter(s -> s.nodeId().equals(node) && !s.addresses().isEmpty()).findFirst().orElse(null);
        if (p == null) {
            return "not a known peer";
        }
        try {
            PeerConnection c = peers.connect(p.addresses().get(0));
            try (Reply r = c.call(TYPE, args)) {
                return r.meta().length == 1 && (r.meta()[0] == 1 || r.meta()[0] == 2) ? null : "an unexpected answer";
            }
        } catch (NetException e) {
            return e.code() + ": " + e.getMessage();
        }
    }

    /** Commits this node's proof; true when it committed now, false when the ledger holds one already. */
    private boolean commitOwn(Hash256 assetId, long version, List<Hash256> hashes) throws NodeException, LedgerException {
        if (ledger.reader().state().hasLocation(assetId, version, selfId)) {
            return false;
        }
        try {
            ledger.commit(nodeKey, List.of(), new TxBody.LocationProof(assetId, version, selfId, hashes));
            return true;
        } catch (TxRejectedException e) {
            if (e.reason() == RejectReason.ALREADY_EXISTS) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Commits a proof of the hashes this node's earlier proofs of the version do not list; true
     * when it committed, false when every hash was proved already.
     */
    private boolean commitAdded(Hash256 assetId, long version, List<Hash256> hashes) throws NodeException, LedgerException {
        java.util.Set<Hash256> proved = new java.util.HashSet<>();
        var store = ledger.reader().store();
        for (Hash256 txId : store.indexed(io.stoq.ledger.store.Indexes.ASSET_HISTORY, assetId)) {
            var t = store.tx(txId);
            if (t != null && t.tx().body() instanceof TxBody.LocationProof p && p.version() == version && p.nodeId().equals(selfId)) {
                proved.addAll(p.shardHashes());
            }
        }
        List<Hash256> added = hashes.stream().filter(h -> !proved.contains(h)).distinct().toList();
        if (added.isEmpty()) {
            return false;
        }
        try {
            ledger.commit(nodeKey, List.of(), new TxBody.LocationProof(assetId, version, selfId, added));
            return true;
        } catch (TxRejectedException e) {
            if (e.reason() == RejectReason.ALREADY_EXISTS) {
                return false;
            }
            throw e;
        }
    }

    private void onProve(PeerRequest request, Responder responder) throws NetException, java.io.IOException {
        byte[] args = request.args();
        ByteBuffer in = ByteBuffer.wrap(args);
        byte wire = args.length > 0 ? in.get() : 0;
        if (args.length < 1 + 32 + 8 + 2 || (wire != WIRE_VERSION && wire != REPAIR_WIRE_VERSION)) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "prove-locations: malformed arguments");
        }
        byte[] id = new byte[32];
        in.get(id);
        long version = in.getLong();
        int count = Short.toUnsignedInt(in.getShort());
        if (count < 1 || count > Limits.MAX_SHARDS || in.remaining() != count * 32L || version < 1) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "prove-locations: malformed arguments");
        }
        List<Hash256> hashes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] h = new byte[32];
            in.get(h);
            Hash256 hash = Hash256.of(h);
            if (!local.contains(hash)) {
                throw new NetException(NetErrorCode.NOT_FOUND, "node " + selfId + " does not hold shard " + hash.toHex());
            }
            hashes.add(hash);
        }
        if (!serving.tryAcquire()) {
            throw new NetException(NetErrorCode.BUSY, CONCURRENT + " location proofs are being committed at node " + selfId);
        }
        try {
            boolean now = wire == REPAIR_WIRE_VERSION ? commitAdded(Hash256.of(id), version, hashes) : commitOwn(Hash256.of(id), version, hashes);
            responder.reply(new byte[] {(byte) (now ? 1 : 2)});
        } catch (NodeException | LedgerException e) {
            throw new NetException(NetErrorCode.REFUSED, "node " + selfId + " could not commit its location proof: " + e.getMessage());
        } finally {
            serving.release();
        }
    }

    static byte[] encode(byte wire, Hash256 assetId, long version, List<Hash256> hashes) {
        ByteBuffer b = ByteBuffer.allocate(1 + 32 + 8 + 2 + 32 * hashes.size());
        b.put(wire).put(assetId.toBytes()).putLong(version).putShort((short) hashes.size());
        for (Hash256 h : hashes) {
            b.put(h.toBytes());
        }
        return b.array();
    }

    @Override
    public void close() {
        asking.shutdownNow();
    }
}
