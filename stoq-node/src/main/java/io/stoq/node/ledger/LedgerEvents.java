package io.stoq.node.ledger;

import io.stoq.crypto.hash.Hash256;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.EventSource;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ledger events for {@code /v1/events}: the writer hands each committed block here; a single
 * event thread turns it into events and delivers them, in order, so the writer never waits on a
 * subscriber. The last {@value #RETAINED} events are kept for resuming subscribers.
 *
 * <p>Event numbers are {@code height * 65536 + i} (i = 0 for the block itself, then one per tx),
 * so they increase monotonically and stay the same across restarts.
 */
public final class LedgerEvents implements EventSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerEvents.class);
    static final int RETAINED = 4096;

    private final CustodialKeys keys;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stoq-ledger-events");
        t.setDaemon(true);
        return t;
    });
    private final ArrayDeque<LedgerEvent> retained = new ArrayDeque<>(); // event thread only
    private final List<Consumer<LedgerEvent>> listeners = new CopyOnWriteArrayList<>();

    LedgerEvents(CustodialKeys keys) {
        this.keys = keys;
    }

    /** Called by the writer after a block is durable; returns at once. */
    void publish(Block block) {
        try {
            thread.execute(() -> deliver(toEvents(block)));
        } catch (RejectedExecutionException e) {
            LOG.debug("event thread closed; block {} not published", block.header().height());
        }
    }

    private void deliver(List<LedgerEvent> events) {
        for (LedgerEvent e : events) {
            retained.addLast(e);
            if (retained.size() > RETAINED) {
                retained.removeFirst();
            }
            for (Consumer<LedgerEvent> l : listeners) {
                try {
                    l.accept(e);
                } catch (RuntimeException ex) {
                    LOG.warn("event listener failed: {}", ex.toString());
                }
            }
        }
    }

    @Override
    public AutoCloseable subscribe(long afterSeq, Consumer<LedgerEvent> listener) throws ApiException {
        try {
            // on the event thread, so replay and the switch to live delivery cannot interleave with a publish
            thread.submit(() -> {
                for (LedgerEvent e : retained) {
                    if (e.seq() > afterSeq) {
                        listener.accept(e);
                    }
                }
                listeners.add(listener);
            }).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ApiError.UNAVAILABLE, "interrupted while subscribing");
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "the event stream is not available");
        }
        return () -> listeners.remove(listener);
    }

    private List<LedgerEvent> toEvents(Block block) {
        long height = block.header().height();
        long base = height * 65536;
        List<LedgerEvent> out = new ArrayList<>();
        out.add(new LedgerEvent(base, LedgerEvent.Category.BLOCK, "block.committed", height, block.header().time(),
                Long.toString(height), Map.of("txCount", block.txs().size(), "hash", block.header().hash().toHex())));
        int i = 1;
        for (Transaction tx : block.txs()) {
            LedgerEvent e = toEvent(base + i++, height, block, tx);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    private LedgerEvent toEvent(long seq, long height, Block block, Transaction tx) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("txId", tx.id().toHex());
        String actor = name(tx.signer());
        attrs.put("actor", actor);
        TxBody body = tx.body();
        LedgerEvent.Category cat;
        String type;
        String subject;
        if (body instanceof TxBody.AssetCreate c) {
            if (c.assetId().equals(LedgerService.NETWORK_TOKEN)) {
                return null;
            }
            cat = LedgerEvent.Category.ASSET;
            type = "asset.created";
            subject = c.assetId().toHex();
            attrs.put("version", 1L);
        } else if (body instanceof TxBody.AssetUpdate u) {
            cat = LedgerEvent.Category.ASSET;
            type = "asset.updated";
            subject = u.assetId().toHex();
            attrs.put("version", u.version());
        } else if (body instanceof TxBody.AssetDelete d) {
            cat = LedgerEvent.Category.ASSET;
            type = "asset.deleted";
            subject = d.assetId().toHex();
        } else if (body instanceof TxBody.TokenTransfer t) {
            boolean token = t.assetId().equals(LedgerService.NETWORK_TOKEN);
            cat = token ? LedgerEvent.Category.TOKEN : LedgerEvent.Category.ASSET;
            type = token ? "token.transferred" : "asset.transferred";
            subject = token ? actor : t.assetId().toHex();
            attrs.put("to", name(t.to()));
            attrs.put("amount", t.amount());
        } else if (body instanceof TxBody.AccountRegister a) {
            cat = LedgerEvent.Category.ACCOUNT;
            type = "account.registered";
            subject = name(io.stoq.crypto.hash.Sha3.hash(a.spki()));
        } else if (body instanceof TxBody.NodeRegister || body instanceof TxBody.NodeRevoke) {
            cat = LedgerEvent.Category.NODE;
            type = body instanceof TxBody.NodeRegister ? "node.registered" : "node.revoked";
            subject = body instanceof TxBody.NodeRevoke r ? r.nodeId() : actor;
        } else {
            return null;
        }
        return new LedgerEvent(seq, cat, type, height, block.header().time(), subject, attrs);
    }

    /** API account id of a ledger account, or its hex id when it is not one of ours. */
    private String name(Hash256 ledgerId) {
        return keys.accountOf(ledgerId).orElse(ledgerId.toHex());
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
