package io.stoq.node.ledger;

import io.stoq.crypto.hash.Hash256;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.EventSource;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
 * Ledger events for {@code /v1/events}: subscribed to the ledger's applied blocks
 * ({@link Ledger#onApplied}), so a block this node built and a block it appended (made by another
 * node) give the same events; a single event thread turns each block into events and delivers
 * them, in order, so the writer never waits on a subscriber. The last {@value #RETAINED} events are kept for resuming subscribers.
 *
 * <p>Event numbers are {@code height * 65536 + i} (i = 0 for the block itself, then one per tx),
 * so they increase monotonically and stay the same across restarts.
 *
 * <p>Every asset event names its {@link LedgerEvent#readers() readers}, so the API sends it only to
 * accounts that may see the asset: the accounts the tx names (the signer, which is the owner or
 * its custodial signature; a transfer's recipient; a grant's grantee) and, except for grant and
 * revocation events (owner and grantee only), the asset's grantees as of the block. Grantees are
 * read on the writer thread right after the commit, when the state is exactly the block's.
 */
public final class LedgerEvents implements EventSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerEvents.class);
    static final int RETAINED = 4096;

    private final CustodialKeys keys;
    private final LedgerReader ledger;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stoq-ledger-events");
        t.setDaemon(true);
        return t;
    });
    private final ArrayDeque<LedgerEvent> retained = new ArrayDeque<>(); // event thread only
    /**
     * The last readers set per asset (event thread only), so consecutive events of one asset share
     * one set: an asset with 1024 grantees updated thousands of times must not make the retained
     * events hold thousands of copies.
     */
    private final Map<Hash256, Set<String>> lastReaders = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Hash256, Set<String>> eldest) {
            return size() > 1024;
        }
    };
    private final List<Consumer<LedgerEvent>> listeners = new CopyOnWriteArrayList<>();

    LedgerEvents(CustodialKeys keys, LedgerReader ledger) {
        this.keys = keys;
        this.ledger = ledger;
    }

    /** Called on the writer thread after a block is durable; returns at once (after one state read per asset touched). */
    void publish(Block block) {
        Map<Hash256, List<Hash256>> grants = grantsAfter(block);
        try {
            thread.execute(() -> deliver(toEvents(block, grants)));
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

    /**
     * Grantees of every asset the block's txs touch, as of the block (writer thread). A state read
     * that fails leaves the asset out, so its events go only to the accounts they name.
     */
    private Map<Hash256, List<Hash256>> grantsAfter(Block block) {
        Map<Hash256, List<Hash256>> out = new HashMap<>();
        for (Transaction tx : block.txs()) {
            Hash256 asset = assetOf(tx.body());
            if (asset != null && !out.containsKey(asset)) {
                try {
                    out.put(asset, ledger.state().grants(asset));
                } catch (LedgerException e) {
                    LOG.warn("cannot read the grants of asset {} for its events: {}", asset.toHex(), e.getMessage());
                }
            }
        }
        return out;
    }

    private static Hash256 assetOf(TxBody body) {
        if (body instanceof TxBody.AssetCreate c) {
            return c.assetId();
        } else if (body instanceof TxBody.AssetUpdate u) {
            return u.assetId();
        } else if (body instanceof TxBody.AssetDelete d) {
            return d.assetId();
        } else if (body instanceof TxBody.AssetVersionDelete d) {
            return d.assetId();
        } else if (body instanceof TxBody.TokenTransfer t) {
            return t.assetId();
        }
        return null;
    }

    private List<LedgerEvent> toEvents(Block block, Map<Hash256, List<Hash256>> grants) {
        long height = block.header().height();
        long base = height * 65536;
        List<LedgerEvent> out = new ArrayList<>();
        out.add(new LedgerEvent(base, LedgerEvent.Category.BLOCK, "block.committed", height, block.header().time(),
                Long.toString(height), Map.of("txCount", block.txs().size(), "hash", block.header().hash().toHex())));
        int i = 1;
        for (Transaction tx : block.txs()) {
            LedgerEvent e = toEvent(base + i++, height, block, tx, grants);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    private LedgerEvent toEvent(long seq, long height, Block block, Transaction tx, Map<Hash256, List<Hash256>> grants) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("txId", tx.id().toHex());
        String actor = name(tx.signer());
        attrs.put("actor", actor);
        TxBody body = tx.body();
        Set<String> readers = new TreeSet<>(Set.of(actor));
        Hash256 asset = assetOf(body);
        if (asset != null) {
            grants.getOrDefault(asset, List.of()).forEach(g -> readers.add(name(g)));
        }
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
        } else if (body instanceof TxBody.AssetVersionDelete d) {
            cat = LedgerEvent.Category.ASSET;
            type = "asset.version-deleted";
            subject = d.assetId().toHex();
            attrs.put("version", d.version());
        } else if (body instanceof TxBody.TokenTransfer t) {
            boolean token = t.assetId().equals(LedgerService.NETWORK_TOKEN);
            cat = token ? LedgerEvent.Category.TOKEN : LedgerEvent.Category.ASSET;
            type = token ? "token.transferred" : "asset.transferred";
            subject = token ? actor : t.assetId().toHex();
            attrs.put("to", name(t.to()));
            attrs.put("amount", t.amount());
            readers.add(name(t.to()));
        } else if (body instanceof TxBody.ReadGrant || body instanceof TxBody.ReadRevoke) {
            boolean grant = body instanceof TxBody.ReadGrant;
            Hash256 assetId = grant ? ((TxBody.ReadGrant) body).assetId() : ((TxBody.ReadRevoke) body).assetId();
            String grantee = name(grant ? ((TxBody.ReadGrant) body).grantee() : ((TxBody.ReadRevoke) body).grantee());
            cat = LedgerEvent.Category.ASSET;
            type = grant ? "asset.granted" : "asset.grant-revoked";
            subject = assetId.toHex();
            attrs.put("account", grantee);
            readers.add(grantee); // owner and grantee only: grantees do not learn about each other
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
        Set<String> shared = null;
        if (cat == LedgerEvent.Category.ASSET) {
            shared = Set.copyOf(readers);
            if (asset != null) { // grant events name two accounts: nothing worth sharing
                Set<String> last = lastReaders.get(asset);
                shared = shared.equals(last) ? last : shared;
                lastReaders.put(asset, shared);
            }
        }
        return new LedgerEvent(seq, cat, type, height, block.header().time(), subject, attrs, shared);
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
