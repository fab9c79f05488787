package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeException;
import io.stoq.node.store.ShardStore;
import io.stoq.shard.ShardException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mark and sweep of the local shard store. Versions of one asset share the shards of their
 * unchanged chunks, so a shard is freed only when nothing needs it any more:
 *
 * <pre>
 *   mark:  for every asset on the ledger
 *            live, or deleted less than the retention ago -> every version's manifest and shards,
 *                                                             but those of versions deleted one by
 *                                                             one longer than the retention ago
 *            deleted longer ago (the retention unset at start keeps everything) -> nothing
 *   sweep: every stored file not marked, not pinned by an upload in progress, and not released by
 *          one since the mark began (its version committed after the ledger was read) is deleted
 * </pre>
 *
 * Why mark and sweep rather than reference counts: the ledger already is the durable, atomic
 * record of which versions exist, and the manifests list their shards, so the marks are derived
 * from committed state and cannot drift from it (no count to update "atomically with the commit
 * outcome" across a crash). The price is a walk over all manifests per sweep.
 *
 * <p>Nothing is deleted on partial knowledge: if any manifest a version names cannot be read,
 * the sweep removes nothing (repair is a separate job).
 *
 * <p>One sweep at a time (synchronized); uploads and downloads go on meanwhile.
 */
public final class StorageSweep {
    private static final Logger LOG = LoggerFactory.getLogger(StorageSweep.class);

    private final AssetIndex index;
    private final ShardStore store;
    private final ShardPins pins;

    StorageSweep(AssetIndex index, ShardStore store, ShardPins pins) {
        this.index = index;
        this.store = store;
        this.pins = pins;
    }

    /**
     * What one sweep did.
     *
     * @param marked files some version needs
     * @param removed files deleted
     * @param complete false when a manifest could not be read and nothing was deleted
     */
    public record Result(int marked, int removed, boolean complete) {}

    /**
     * Runs one mark and sweep. {@code deletedRetention} null keeps deleted assets' shards (the
     * start-up sweep, which only removes what interrupted uploads left); deletions are timed by
     * their block's time against {@code now}.
     */
    synchronized Result run(Duration deletedRetention, Instant now) throws NodeException {
        long started = System.nanoTime();
        Set<Hash256> marked = new HashSet<>();
        // The ledger must be readable (its failures propagate); a store or manifest that is not
        // makes the sweep incomplete: it removes nothing rather than something still needed.
        for (Hash256 lid : index.allAssets()) {
            List<AssetIndex.Change> changes = index.changes(lid);
            Instant cutoff = deletedRetention == null ? null : now.minus(deletedRetention);
            if (cutoff != null && deletedBefore(changes, cutoff)) {
                continue;
            }
            Map<Long, Instant> versionsDeleted = AssetIndex.deletedVersions(changes);
            for (AssetIndex.Change c : changes) {
                TxBody body = c.tx().tx().body();
                byte[] metaBytes = AssetIndex.metadataOf(body);
                if (metaBytes == null) {
                    continue;
                }
                Instant versionDeleted = versionsDeleted.get(AssetIndex.versionOf(body));
                if (cutoff != null && versionDeleted != null && !versionDeleted.isAfter(cutoff)) {
                    continue; // what it shares with a version still needed is marked by that version
                }
                AssetMeta meta = AssetMeta.decode(metaBytes);
                if (meta == null) {
                    return incomplete(marked, "a version of asset " + lid.toHex() + " carries unreadable metadata");
                }
                Hash256 mh = Hash256.ofHex(meta.manifest());
                marked.add(mh);
                try {
                    marked.addAll(VersionManifests.storedOf(meta, store.get(mh)));
                } catch (NodeException | ShardException e) {
                    return incomplete(marked, e.getMessage());
                }
            }
        }
        try {
            List<Hash256> unmarked = new ArrayList<>();
            store.forEach(h -> {
                if (!marked.contains(h)) {
                    unmarked.add(h);
                }
            });
            int removed = 0;
            for (Hash256 h : unmarked) {
                if (!pins.spared(h, started) && store.delete(h)) {
                    removed++;
                }
            }
            pins.forgetReleasedBefore(started);
            return new Result(marked.size(), removed, true);
        } catch (NodeException e) {
            return incomplete(marked, e.getMessage());
        }
    }

    private static Result incomplete(Set<Hash256> marked, String why) {
        LOG.warn("storage sweep removed nothing: {}", why);
        return new Result(marked.size(), 0, false);
    }

    /** True when the asset's last change is a delete made before {@code cutoff}. */
    private static boolean deletedBefore(List<AssetIndex.Change> changes, Instant cutoff) {
        if (changes.isEmpty()) {
            return false;
        }
        AssetIndex.Change last = changes.get(changes.size() - 1);
        return last.tx().tx().body() instanceof TxBody.AssetDelete && !last.at().isAfter(cutoff);
    }
}
