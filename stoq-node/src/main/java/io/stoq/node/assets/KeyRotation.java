package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeException;
import io.stoq.node.keys.EpochKeys;
import io.stoq.node.keys.NetworkKeys;
import io.stoq.node.ledger.LedgerWriter;
import io.stoq.shard.ShardException;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.WrappedAssetKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code stoq network rotate-keys}: starts the next data-key epoch ({@link NetworkKeys#rotate})
 * and re-wraps the asset key of every live version (asset and version not deleted) to it, without
 * touching a shard or a manifest.
 *
 * <p>Each version's key is unwrapped as a read would (verified manifest, any epoch this node
 * holds a share of), wrapped to the new epoch's ML-KEM key, and recorded in a {@code KEY_REWRAP}
 * tx per asset (at most {@link #BATCH} versions each, under the tx size limit): the ledger is what
 * every node of a Raft network already has, so the new wraps reach all of them with no other
 * transfer, and reads find them through the ledger's {@code KEY_REWRAPS} index. A version this
 * node cannot read (manifest unreachable, key not unwrappable) is skipped and reported; it keeps
 * its old wrap and stays readable by the members of its old epoch.
 */
public final class KeyRotation {
    /** Versions per KEY_REWRAP tx: an ML-KEM-768 wrap is ~1.2 KB, the tx limit 256 KiB. */
    static final int BATCH = 64;

    /** What a rotation did; {@code shardBytesUntouched} is the stored bytes of the re-wrapped versions' shards. */
    public record Result(long epoch, long height, List<String> members, int versionsRewrapped, int versionsSkipped,
            long shardBytesUntouched) {}

    private final LedgerWriter ledger;
    private final AssetIndex index;
    private final VersionManifests manifests;
    private final EpochKeys epochs;

    KeyRotation(LedgerWriter ledger, AssetIndex index, VersionManifests manifests, EpochKeys epochs) {
        this.ledger = ledger;
        this.index = index;
        this.manifests = manifests;
        this.epochs = epochs;
    }

    /** Starts the next epoch and re-wraps every live version to it; {@code progress} gets one line per step. */
    public Result rotate(Consumer<String> progress) throws NodeException, LedgerException {
        NetworkKeys.Rotation r = NetworkKeys.rotate(ledger, epochs, Map.of());
        progress.accept("key epoch " + r.epoch() + " started at height " + r.height() + " for " + r.members().size()
                + " member node(s): " + String.join(", ", r.members()));
        EpochKeys.Epoch epoch = epochs.epoch(r.epoch());
        SigningKey operator = ledger.keys().operatorKey(false);
        int rewrapped = 0;
        int skipped = 0;
        long shardBytes = 0;
        for (Hash256 lid : index.allAssets()) {
            List<AssetIndex.Change> changes = index.changes(lid);
            if (!changes.isEmpty() && changes.get(changes.size() - 1).tx().tx().body() instanceof TxBody.AssetDelete) {
                continue; // a deleted asset is read by nobody
            }
            String id = lid.toHex();
            List<TxBody.VersionWrap> wraps = new ArrayList<>();
            for (AssetIndex.Change c : changes) {
                long number = AssetIndex.versionOf(c.tx().tx().body());
                if (number == 0 || AssetIndex.deletedVersions(changes).containsKey(number)) {
                    continue;
                }
                try {
                    AssetIndex.Version v = AssetIndex.version(changes, number, id);
                    Hash256 named = Hash256.ofHex(v.meta().manifest());
                    AssetManifest m = manifests.verified(v.meta());
                    byte[] key = epochs.unwrap(m, lid, named);
                    try {
                        WrappedAssetKey w = AssetKeys.wrap(key, m.assetId(), m.version(), List.of(epoch.publicKey())).get(0);
                        wraps.add(new TxBody.VersionWrap(number, named, w.wrapped().algorithm().id(), w.wrapped().kemCiphertext(),
                                w.wrapped().wrappedKey()));
                    } finally {
                        Arrays.fill(key, (byte) 0);
                    }
                    for (ShardEntry s : m.shards()) {
                        shardBytes += s.storedLength();
                    }
                } catch (NodeException | ShardException e) {
                    skipped++;
                    progress.accept("skipped asset " + id + " version " + number + ": " + e.getMessage());
                }
            }
            for (int from = 0; from < wraps.size(); from += BATCH) {
                List<TxBody.VersionWrap> batch = wraps.subList(from, Math.min(wraps.size(), from + BATCH));
                ledger.commit(operator, List.of(), new TxBody.KeyRewrap(lid, epoch.number(), List.copyOf(batch)));
                rewrapped += batch.size();
            }
            if (!wraps.isEmpty()) {
                progress.accept("asset " + id + ": " + wraps.size() + " version(s) re-wrapped to key epoch " + epoch.number());
            }
        }
        progress.accept("key epoch " + epoch.number() + ": " + rewrapped + " version(s) re-wrapped, " + skipped + " skipped, "
                + shardBytes + " shard bytes untouched");
        return new Result(epoch.number(), r.height(), r.members(), rewrapped, skipped, shardBytes);
    }
}
