package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeException;
import io.stoq.node.store.ShardStore;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.BatchSeal;
import io.stoq.shard.manifest.ManifestBody;
import io.stoq.shard.manifest.ManifestVerifier;
import io.stoq.shard.manifest.SignedManifest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the manifest a committed version names, whichever way it was sealed, and checks it:
 *
 * <ul>
 *   <li>sealed after the commit ({@link AssetMeta#namesBody()}), not sealed yet: the stored body
 *       must hash to what the tx names (the ledger's hash is what the seal will attest);
 *   <li>sealed after the commit, sealed: the same, and the body joined with its stored seal must
 *       verify as a schema-2 manifest (signature, leaf, proof);
 *   <li>sealed before the tx (every version written before, schema 2 or 1): the stored manifest
 *       hashes to what the tx names (the store checks) and its signature verifies.
 * </ul>
 * Stateless apart from its parts; thread-safe.
 */
final class VersionManifests {
    private static final Logger LOG = LoggerFactory.getLogger(VersionManifests.class);

    private final ShardStore store;
    private final ManifestSealer sealer;
    private final ManifestVerifier verifier;

    VersionManifests(ShardStore store, ManifestSealer sealer, ManifestVerifier verifier) {
        this.store = store;
        this.sealer = sealer;
        this.verifier = verifier;
    }

    /** The verified manifest of {@code meta}'s version (see the class comment for the checks). */
    AssetManifest verified(AssetMeta meta) throws NodeException, ShardException {
        Hash256 named = Hash256.ofHex(meta.manifest());
        if (!meta.namesBody()) {
            return verifier.verify(SignedManifest.decode(store.get(named)));
        }
        ManifestBody body;
        try {
            body = ManifestBody.verify(store.getForVerifier(named), named);
        } catch (ShardException e) {
            if (e.code() == ShardErrorCode.MANIFEST_SIGNATURE_INVALID) {
                store.get(named); // moves the altered body to quarantine (CORRUPT_DATA), as for a shard
            }
            throw e;
        }
        Optional<BatchSeal> seal = sealer.sealOf(named);
        return seal.isPresent() ? verifier.verify(SignedManifest.of(body, seal.get())) : body.manifest();
    }

    /**
     * What the manifest of {@code meta} names in a store, from the stored bytes, unverified (the
     * sweep's marks): every shard hash and, for an erasure-coded version, every piece hash.
     */
    static List<Hash256> storedOf(AssetMeta meta, byte[] stored) throws ShardException {
        io.stoq.shard.manifest.AssetManifest m = meta.namesBody() ? ManifestBody.decode(stored).manifest()
                : SignedManifest.decode(stored).manifest();
        List<Hash256> out = new java.util.ArrayList<>();
        m.shards().forEach(e -> out.add(e.hash()));
        if (m.pieces() != null) {
            m.pieces().shards().forEach(s -> out.addAll(s.pieceHashes()));
        }
        return out;
    }

    /**
     * Submits to the sealer every body a committed version names that has no seal yet: what a
     * stop or a crash left between commit and seal. Returns how many it submitted; blocks while
     * the sealer's queue is full. A body that cannot be read is logged and skipped (reads of it
     * fail the same way; repair is a separate job).
     */
    int submitUnsealed(AssetIndex index) throws NodeException {
        int submitted = 0;
        for (Hash256 lid : index.allAssets()) {
            List<AssetIndex.Change> changes = index.changes(lid);
            if (!changes.isEmpty() && changes.get(changes.size() - 1).tx().tx().body() instanceof TxBody.AssetDelete) {
                continue; // nobody reads a deleted asset's versions; the sweep frees them
            }
            Map<Long, Instant> versionsDeleted = AssetIndex.deletedVersions(changes);
            for (AssetIndex.Change c : changes) {
                TxBody body = c.tx().tx().body();
                byte[] metaBytes = AssetIndex.metadataOf(body);
                AssetMeta meta = metaBytes == null ? null : AssetMeta.decode(metaBytes);
                if (meta == null || !meta.namesBody() || versionsDeleted.containsKey(AssetIndex.versionOf(body))) {
                    continue; // (a deleted version is read by nobody)
                }
                Hash256 named = Hash256.ofHex(meta.manifest());
                if (!store.contains(named)) {
                    continue; // uploaded through another node: that node seals it, this one reads it by the ledger's hash
                }
                try {
                    if (sealer.sealOf(named).isPresent()) {
                        continue;
                    }
                    sealer.submit(ManifestBody.verify(store.getForVerifier(named), named));
                    submitted++;
                } catch (NodeException | ShardException e) {
                    LOG.warn("manifest {} of asset {} stays unsealed: {}", named.toHex(), lid.toHex(), e.getMessage());
                }
            }
        }
        return submitted;
    }
}
