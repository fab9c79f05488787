package io.stoq.node.peer;

import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.LedgerView;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.net.discovery.PeerStatus;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's {@link LedgerView} with the members discovery found: {@code GET /v1/nodes} lists
 * this node (from its ledger) and then every peer in the membership, each with the liveness,
 * RTT and throughput this node measured. Blocks come from the ledger view unchanged.
 *
 * <p>A peer's {@code status} is {@code UP} while alive and {@code DOWN} otherwise; revoked nodes
 * are not members at all (discovery drops them at once), so they do not appear. Once the
 * network shares one ledger, registration and revocation will come from it as well.
 */
public final class PeerLedgerView implements LedgerView {
    private final LedgerView local;
    private final PeerNetwork network;

    private final java.util.function.Function<String, AuditSummary> audits;

    public PeerLedgerView(LedgerView local, PeerNetwork network) {
        this(local, network, id -> null);
    }

    /** With {@code audits}: this node's shard audits of a member (null when none), shown by {@link #node}. */
    public PeerLedgerView(LedgerView local, PeerNetwork network, java.util.function.Function<String, AuditSummary> audits) {
        this.local = local;
        this.network = network;
        this.audits = audits;
    }

    @Override
    public Page<BlockSummary> blocks(PageRequest page) throws ApiException {
        return local.blocks(page);
    }

    @Override
    public BlockSummary block(long height) throws ApiException {
        return local.block(height);
    }

    @Override
    public List<NodeInfo> nodes() throws ApiException {
        List<NodeInfo> all = new ArrayList<>(local.nodes());
        for (PeerStatus p : network.peers()) {
            all.add(info(p));
        }
        return all;
    }

    @Override
    public KeyEpochRotation rotateKeyEpoch(io.stoq.fragmint.port.Caller caller) throws ApiException {
        return local.rotateKeyEpoch(caller);
    }

    @Override
    public NodeInfo node(String id) throws ApiException {
        for (PeerStatus p : network.peers()) {
            if (p.nodeId().equals(id)) {
                return info(p).withAudits(audits.apply(id));
            }
        }
        return local.node(id);
    }

    private NodeInfo info(PeerStatus p) {
        List<String> addresses = p.addresses().stream().map(PeerLedgerView::hostPort).toList();
        Liveness liveness = Liveness.valueOf(p.liveness().name());
        String serial = network.serialOf(p.nodeId()).map(s -> s.toString(16)).orElse("");
        return new NodeInfo(p.nodeId(), addresses, p.zone(), liveness == Liveness.ALIVE ? NodeStatus.UP : NodeStatus.DOWN,
                p.capacityBytes(), p.freeBytes(), serial, liveness, p.rtt() == null ? null : p.rtt().toNanos() / 1000,
                Math.round(p.throughputBytesPerSecond()), p.lastHeard());
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
