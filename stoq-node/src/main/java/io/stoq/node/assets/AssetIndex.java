package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.fragmint.port.AssetGrant;
import io.stoq.fragmint.port.AssetMetadata;
import io.stoq.fragmint.port.AssetVersion;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.ledger.LedgerReader;
import io.stoq.node.ledger.LedgerService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads asset state back from the committed ledger: versions and read grants/revocations from the
 * asset-history index, owners from the ownership index (each asset has a supply of one token; its
 * holder is the owner), live grantees from the ledger state. The ledger is the only source of
 * truth; nothing here is cached across calls.
 */
final class AssetIndex {
    private final LedgerReader ledger;
    private final CustodialKeys keys;

    AssetIndex(LedgerReader ledger, CustodialKeys keys) {
        this.ledger = ledger;
        this.keys = keys;
    }

    /** One committed version of an asset. */
    record Version(long version, Hash256 txId, long height, int index, Instant at, Hash256 merkleRoot, AssetMeta meta) {}

    /** One change in chain order (create, update, transfer, delete, version delete, grant, revoke). */
    record Change(StoredTx tx, Instant at) {}

    /** The ledger id of an API asset id (64 lower-case hex digits); NOT_FOUND when it cannot be one. */
    static Hash256 ledgerId(String id) throws NodeException {
        if (id == null || id.length() != 64 || !id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "asset " + id + " not found");
        }
        Hash256 h = Hash256.of(HexFormat.of().parseHex(id));
        if (h.equals(LedgerService.NETWORK_TOKEN)) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "asset " + id + " not found");
        }
        return h;
    }

    /** The asset's state record; NOT_FOUND when unknown or deleted. */
    StateRecords.Asset live(Hash256 lid, String id) throws NodeException {
        try {
            StateRecords.Asset a = ledger.state().asset(lid);
            if (a == null || a.deleted()) {
                throw new NodeException(NodeErrorCode.NOT_FOUND, "asset " + id + " not found");
            }
            return a;
        } catch (LedgerException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read asset " + id, e);
        }
    }

    /** Accounts holding a live read grant on the asset (ledger state): API account id to ledger account id. */
    Map<String, Hash256> grantees(Hash256 lid, String id) throws NodeException {
        try {
            Map<String, Hash256> out = new LinkedHashMap<>();
            for (Hash256 g : ledger.state().grants(lid)) {
                out.put(name(g), g);
            }
            return out;
        } catch (LedgerException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read the grants of asset " + id, e);
        }
    }

    /** The live grants of the asset, oldest first, with the change that made each. */
    List<AssetGrant> grants(String id, List<Change> changes, Set<String> grantees) {
        Map<String, AssetGrant> made = new LinkedHashMap<>();
        for (Change c : changes) {
            if (c.tx().tx().body() instanceof TxBody.ReadGrant g) {
                String account = name(g.grantee());
                made.remove(account); // a re-grant after a revocation moves to the end
                made.put(account, new AssetGrant(id, account, name(c.tx().tx().signer()), c.tx().height(), c.at()));
            }
        }
        made.keySet().retainAll(grantees);
        return List.copyOf(made.values());
    }

    /** Every change of the asset in chain order. */
    List<Change> changes(Hash256 lid) throws NodeException {
        LedgerStore store = ledger.store();
        TreeMap<Long, StoredTx> ordered = new TreeMap<>();
        try {
            for (Indexes ix : new Indexes[] {Indexes.ASSET_HISTORY, Indexes.OWNERSHIP}) {
                for (Hash256 txId : store.indexed(ix, lid)) {
                    StoredTx t = store.tx(txId);
                    if (t != null && !(t.tx().body() instanceof TxBody.LocationProof)) {
                        ordered.put(t.height() * 100_000L + t.index(), t);
                    }
                }
            }
            List<Change> out = new ArrayList<>(ordered.size());
            long cachedHeight = -1;
            Instant cachedTime = null;
            for (StoredTx t : ordered.values()) {
                if (t.height() != cachedHeight) {
                    cachedHeight = t.height();
                    cachedTime = store.header(t.height()).time();
                }
                out.add(new Change(t, cachedTime));
            }
            return out;
        } catch (LedgerException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read the history of an asset", e);
        }
    }

    /** The version a create or update makes; 0 for any other change. */
    static long versionOf(TxBody body) {
        return body instanceof TxBody.AssetCreate ? 1 : body instanceof TxBody.AssetUpdate u ? u.version() : 0;
    }

    /** The node's version record a create or update carries; null for any other change. */
    static byte[] metadataOf(TxBody body) {
        return body instanceof TxBody.AssetCreate cr ? cr.metadata() : body instanceof TxBody.AssetUpdate u ? u.metadata() : null;
    }

    /** The versions deleted one by one (ASSET_VERSION_DELETE), each with the time of its block. */
    static Map<Long, Instant> deletedVersions(List<Change> changes) {
        Map<Long, Instant> out = new HashMap<>();
        for (Change c : changes) {
            if (c.tx().tx().body() instanceof TxBody.AssetVersionDelete d) {
                out.put(d.version(), c.at());
            }
        }
        return out;
    }

    /** Version {@code number} from the changes; NOT_FOUND when it never was or was deleted. */
    static Version version(List<Change> changes, long number, String id) throws NodeException {
        if (deletedVersions(changes).containsKey(number)) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "asset " + id + " version " + number + " was deleted");
        }
        long v = 0;
        for (Change c : changes) {
            TxBody body = c.tx().tx().body();
            Hash256 root = null;
            byte[] meta = null;
            if (body instanceof TxBody.AssetCreate cr) {
                v = 1;
                root = cr.manifestRoot();
                meta = cr.metadata();
            } else if (body instanceof TxBody.AssetUpdate u) {
                v = u.version();
                root = u.manifestRoot();
                meta = u.metadata();
            }
            if (root != null && v == number) {
                AssetMeta m = AssetMeta.decode(meta);
                if (m == null) {
                    throw new NodeException(NodeErrorCode.CORRUPT_DATA, "asset " + id + " version " + number + " has unreadable metadata");
                }
                return new Version(v, c.tx().tx().id(), c.tx().height(), c.tx().index(), c.at(), root, m);
            }
        }
        throw new NodeException(NodeErrorCode.NOT_FOUND, "asset " + id + " version " + number + " not found");
    }

    /** The owner (holder of the asset's single token) after all changes. */
    String owner(List<Change> changes) {
        String owner = null;
        for (Change c : changes) {
            TxBody body = c.tx().tx().body();
            if (body instanceof TxBody.AssetCreate) {
                owner = name(c.tx().tx().signer());
            } else if (body instanceof TxBody.TokenTransfer t) {
                owner = name(t.to());
            }
        }
        return owner;
    }

    String name(Hash256 ledgerAccount) {
        return keys.accountOf(ledgerAccount).orElse(ledgerAccount.toHex());
    }

    /** The API metadata of {@code v}, given the asset's changes. */
    AssetMetadata metadata(String id, List<Change> changes, Version v) {
        Instant created = changes.isEmpty() ? v.at() : changes.get(0).at();
        return new AssetMetadata(id, v.version(), v.meta().size(), v.meta().sha256(), v.meta().sha3(), v.merkleRoot().toHex(), owner(changes),
                v.meta().contentType(), v.meta().name(), created, v.at());
    }

    /** Ledger ids of every live asset (state scan; fine at single-node scale, see docs/node.md). */
    List<Hash256> allAssets() throws NodeException {
        List<Hash256> out = new ArrayList<>();
        try {
            ledger.store().forEachState((k, v) -> {
                if (k.length == 33 && k[0] == 0x03) {
                    byte[] h = new byte[32];
                    System.arraycopy(k, 1, h, 0, 32);
                    out.add(Hash256.of(h));
                }
            });
        } catch (LedgerException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot list the assets: the ledger could not be read", e);
        }
        out.remove(LedgerService.NETWORK_TOKEN);
        return out;
    }

    /**
     * History entries of the asset, oldest first. With {@code onlyGrantsOf} set (a grantee asking),
     * grant and revocation entries about other accounts are left out.
     */
    List<AssetVersion> history(List<Change> changes, String onlyGrantsOf) {
        List<AssetVersion> out = new ArrayList<>();
        Map<Long, AssetVersion> made = new HashMap<>();
        long version = 0;
        String owner = null;
        AssetMeta meta = null;
        Hash256 root = null;
        for (Change c : changes) {
            TxBody body = c.tx().tx().body();
            String actor = name(c.tx().tx().signer());
            String grantee = null;
            AssetVersion.Change kind;
            if (body instanceof TxBody.AssetVersionDelete d) {
                AssetVersion gone = made.get(d.version());
                out.add(new AssetVersion(d.version(), AssetVersion.Change.VERSION_DELETE, actor, owner,
                        gone == null ? 0 : gone.size(), gone == null ? null : gone.sha256(), gone == null ? null : gone.sha3(),
                        gone == null ? "" : gone.merkleRoot(),
                        c.tx().height(), c.at()));
                continue;
            }
            if (body instanceof TxBody.AssetCreate cr) {
                version = 1;
                owner = actor;
                meta = AssetMeta.decode(cr.metadata());
                root = cr.manifestRoot();
                kind = AssetVersion.Change.CREATE;
            } else if (body instanceof TxBody.AssetUpdate u) {
                version = u.version();
                meta = AssetMeta.decode(u.metadata());
                root = u.manifestRoot();
                kind = AssetVersion.Change.UPDATE;
            } else if (body instanceof TxBody.TokenTransfer t) {
                owner = name(t.to());
                kind = AssetVersion.Change.TRANSFER;
            } else if (body instanceof TxBody.AssetDelete) {
                kind = AssetVersion.Change.DELETE;
            } else if (body instanceof TxBody.ReadGrant g) {
                kind = AssetVersion.Change.GRANT;
                grantee = name(g.grantee());
            } else if (body instanceof TxBody.ReadRevoke r) {
                kind = AssetVersion.Change.REVOKE;
                grantee = name(r.grantee());
            } else {
                continue;
            }
            if (grantee != null && onlyGrantsOf != null && !grantee.equals(onlyGrantsOf)) {
                continue;
            }
            AssetVersion entry = new AssetVersion(version, kind, actor, owner, meta == null ? 0 : meta.size(),
                    meta == null ? null : meta.sha256(), meta == null ? null : meta.sha3(), root == null ? "" : root.toHex(), c.tx().height(), c.at(), grantee);
            if (kind == AssetVersion.Change.CREATE || kind == AssetVersion.Change.UPDATE) {
                made.put(version, entry);
            }
            out.add(entry);
        }
        return out;
    }
}
