package io.stoq.fragmint.testnode;

import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.EventSource;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.fragmint.port.LedgerView;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * TEST DOUBLE of stoq-node's ledger (stoq-ledger is being built in parallel and does not exist
 * yet): one block per committed change, hash-chained with SHA3-256, and a live event stream. It
 * behaves like the real thing for the API's purposes (heights grow, blocks are immutable, events
 * are ordered) but has no consensus, signatures or durability.
 *
 * <p>Thread-safe: writes synchronize on this; subscribers are a copy-on-write list.
 */
public final class InMemoryLedger implements LedgerView, EventSource {
    private final Clock clock;
    private final List<BlockSummary> blocks = new ArrayList<>();
    private final List<LedgerEvent> events = new ArrayList<>();
    private final CopyOnWriteArrayList<Consumer<LedgerEvent>> subscribers = new CopyOnWriteArrayList<>();
    private final List<NodeInfo> nodes = List.of(
            NodeInfo.self("node-1", List.of("127.0.0.1:9000"), "zone-a", NodeStatus.UP, 1L << 40, 1L << 39, "01"),
            // a peer this node measured and then stopped hearing from
            new NodeInfo("node-2", List.of("127.0.0.1:9001"), "zone-b", NodeStatus.DOWN, 1L << 40, 1L << 38, "02",
                    Liveness.DEAD, 850L, 52_000_000L, java.time.Instant.parse("2026-01-01T00:00:00Z")));

    public InMemoryLedger(Clock clock) {
        this.clock = clock;
        commit(LedgerEvent.Category.BLOCK, "ledger.genesis", "genesis", Map.of());
    }

    /**
     * Appends a block holding one change and publishes its event; returns the block height.
     */
    public long commit(LedgerEvent.Category category, String type, String subject, Map<String, Object> attrs) {
        return commit(category, type, subject, attrs, null);
    }

    /** As {@link #commit(LedgerEvent.Category, String, String, Map)}, for an event only {@code readers} may see. */
    public long commit(LedgerEvent.Category category, String type, String subject, Map<String, Object> attrs,
            java.util.Set<String> readers) {
        LedgerEvent e;
        long height;
        synchronized (this) {
            height = blocks.size();
            String prev = height == 0 ? "" : blocks.get((int) height - 1).hash();
            String txRoot = Sha3.hash((type + "|" + subject + "|" + attrs).getBytes(StandardCharsets.UTF_8)).toHex();
            String hash = Sha3.hash((height + "|" + prev + "|" + txRoot).getBytes(StandardCharsets.UTF_8)).toHex();
            blocks.add(new BlockSummary(height, hash, prev, txRoot, txRoot, 1, clock.instant()));
            e = new LedgerEvent(events.size() + 1, category, type, height, clock.instant(), subject, attrs, readers);
            events.add(e);
            for (Consumer<LedgerEvent> s : subscribers) {
                s.accept(e);
            }
        }
        return height;
    }

    public synchronized BlockSummary tip() {
        return blocks.get(blocks.size() - 1);
    }

    @Override
    public synchronized Page<BlockSummary> blocks(PageRequest page) throws ApiException {
        long start = page.cursor() == null ? blocks.size() - 1 : parse(page.cursor());
        if (start >= blocks.size()) {
            throw ApiException.badRequest("bad cursor");
        }
        List<BlockSummary> out = new ArrayList<>();
        long h = start;
        while (h >= 0 && out.size() < page.limit()) {
            out.add(blocks.get((int) h--));
        }
        return new Page<>(out, h >= 0 ? Long.toString(h) : null);
    }

    private static long parse(String cursor) throws ApiException {
        try {
            return Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad cursor");
        }
    }

    @Override
    public synchronized BlockSummary block(long height) throws ApiException {
        if (height >= blocks.size()) {
            throw ApiException.notFound("block " + height);
        }
        return blocks.get((int) height);
    }

    @Override
    public List<NodeInfo> nodes() {
        return nodes;
    }

    @Override
    public NodeInfo node(String id) throws ApiException {
        return nodes.stream().filter(n -> n.id().equals(id)).findFirst()
                .orElseThrow(() -> ApiException.notFound("node '" + id + "'"));
    }

    /** The double's key epochs: a counter; it holds no asset keys, so it re-wraps no versions. */
    private long keyEpoch = 1;

    @Override
    public synchronized KeyEpochRotation rotateKeyEpoch(io.stoq.fragmint.port.Caller caller) {
        keyEpoch++;
        return new KeyEpochRotation(keyEpoch, blocks.size() - 1, nodes.stream().map(NodeInfo::id).toList(), 0, 0, 0);
    }

    @Override
    public AutoCloseable subscribe(long afterSeq, Consumer<LedgerEvent> listener) {
        synchronized (this) {
            for (LedgerEvent e : events) {
                if (e.seq() > afterSeq) {
                    listener.accept(e);
                }
            }
            subscribers.add(listener);
        }
        return () -> subscribers.remove(listener);
    }

    public int subscriberCount() {
        return subscribers.size();
    }
}
