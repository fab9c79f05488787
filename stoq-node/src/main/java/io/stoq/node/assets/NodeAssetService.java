package io.stoq.node.assets;

import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AssetContent;
import io.stoq.fragmint.port.AssetGrant;
import io.stoq.fragmint.port.AssetMetadata;
import io.stoq.fragmint.port.AssetProof;
import io.stoq.fragmint.port.AssetService;
import io.stoq.fragmint.port.AssetVersion;
import io.stoq.fragmint.port.ByteRange;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.NewContent;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.proof.ProofBuilder;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.NodeProblems;
import io.stoq.node.ledger.Committed;
import io.stoq.node.ledger.CrlFile;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.keys.EpochKeys;
import io.stoq.node.ledger.LedgerWriter;
import io.stoq.node.store.ShardStore;
import io.stoq.shard.AssetEncoder;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.ShardException;
import io.stoq.shard.assemble.AssetReader;
import io.stoq.shard.codec.CodecPool;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.assemble.FetchedShard;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.ManifestVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The asset core of a node: uploads stream through the shard pipeline into the local shard store
 * ({@link ShardWriter}); the version is acknowledged only after the ledger block holding its tx
 * is durable. Reads verify every shard before releasing a byte. The ledger is the authority on
 * versions, owners and read grants; each asset has one token, and its holder is the owner.
 *
 * <p>Every call that names an asset first decides how the caller sees it ({@link AssetAccess}):
 * owner, admin, grantee, auditor, or not at all (404, as for a missing asset). Writes and grants
 * are signed with the owner's custodial key ({@link CustodialKeys}) after the owner check here
 * (owner or admin), so an admin acting on someone's asset signs as that owner.
 */
public final class NodeAssetService implements AssetService {
    private static final int MAX_TEXT = 200;

    private final LedgerWriter ledger;
    private final CustodialKeys keys;
    private final ShardStore store;
    private final AccountStore accounts;
    private final ShardWriter writer;
    private final ManifestSealer sealer;
    private final VersionManifests manifests;
    private final EpochKeys epochs;
    /** The local store, falling back to peers for what it does not hold (reads of other nodes' uploads). */
    private final ShardStore reads;
    private final AssetIndex index;
    private final KeyRotation rotation;
    private final CrlFile crl;
    private final CodecPool pool;
    private final int readAhead;
    private final ShardPins pins = new ShardPins();
    private final KeyFailures keyFailures = new KeyFailures(java.time.Clock.systemUTC());
    private final StorageSweep sweep;
    /** Null without peers (every shard stays here). */
    private final io.stoq.node.replication.LocationProofs proofs;
    private final ShardLocations locations;
    /** Rebuilds erasure-coded shards from k pieces; null on a node without peers. */
    private final io.stoq.node.replication.PieceReads pieceReads;
    /** The network's default when an upload names no policy: {@value #POLICY_CONFIG_KEY} on the ledger, else replicas:3. */
    public static final String POLICY_CONFIG_KEY = "placement.default-policy";

    /**
     * @param sealer seals each upload's manifest body after its commit (the node's SLH-DSA key, batched)
     * @param manifests the check every read makes of a stored manifest (the node's own keys)
     * @param pool the node's codec threads and memory budget, shared by every upload and download
     * @param readAhead shards a download verifies and decrypts ahead of the one being sent
     * @param crl the CA's CRL, carried by every proof bundle as revocation evidence
     * @param reads what reads fetch manifests and shards from: {@code store}, or {@code store} then
     *     the peers (a version uploaded through another node)
     * @param epochs the key epochs: what new asset keys are wrapped to, and how reads unwrap them
     * @param maxAverageChunk the largest average chunk this node cuts a file into ({@code shard.max-average-chunk}),
     *     which bounds what each upload's chunker buffers
     * @param spreader places every upload's shards on the nodes its policy asks for (null on a node without peers)
     * @param proofs has each holder commit its location proof after the version commits (null without peers)
     */
    public NodeAssetService(LedgerWriter ledger, ShardStore store, AccountStore accounts, ManifestSealer sealer,
            ManifestVerifier manifests, CodecPool pool, int readAhead, int maxAverageChunk, CrlFile crl, ShardStore reads,
            EpochKeys epochs, io.stoq.node.replication.Spreader spreader, io.stoq.node.replication.LocationProofs proofs) {
        this.ledger = ledger;
        this.keys = ledger.keys();
        this.store = store;
        this.accounts = accounts;
        this.sealer = sealer;
        this.reads = reads;
        this.manifests = new VersionManifests(reads, sealer, manifests);
        this.epochs = epochs;
        this.pool = pool;
        this.readAhead = readAhead;
        this.writer = new ShardWriter(store, epochs, pool, pins, spreader, maxAverageChunk);
        this.proofs = proofs;
        this.locations = new ShardLocations(ledger.reader());
        this.pieceReads = reads instanceof io.stoq.node.peer.PeerReadThrough net ? new io.stoq.node.replication.PieceReads(net) : null;
        this.index = new AssetIndex(ledger.reader(), keys);
        this.crl = crl;
        this.sweep = new StorageSweep(index, store, pins);
        this.rotation = new KeyRotation(ledger, index, this.manifests, epochs);
    }

    @Override
    public AssetMetadata create(Caller caller, NewContent content, InputStream body) throws ApiException, IOException {
        checkText(content);
        SigningKey owner = key(caller.accountId());
        Hash256 lid = Hash256.of(SecureRandoms.bytes(32));
        String id = lid.toHex();
        RedundancyPolicy policy = policy(content);
        ShardWriter.Stored s = write(body, lid, 1, content.declaredLength(), AssetEncoder.Lineage.fresh(), policy);
        checkDeclaredDigest(content, s);
        TxBody tx;
        AssetMeta meta;
        try {
            meta = AssetMeta.current(s.manifestHash(), s.size(), s.sha256(), content.contentType(), content.name(),
                    s.holdings().isEmpty() ? null : policy.toString());
            tx = new TxBody.AssetCreate(lid, ledgerName(content.name()), s.merkleRoot(), meta.encode(), 1, AssetPolicy.ANY_HOLDER);
        } catch (RuntimeException e) {
            writer.discard(s);
            throw e;
        }
        Committed c = commitOrDiscard(owner, tx, s);
        prove(lid, 1, s);
        // The answer is what this call just committed (version 1, the caller's key as owner): no
        // need to read it back through the ledger's indexes.
        return new AssetMetadata(id, 1, meta.size(), meta.sha256(), meta.sha3(), s.merkleRoot().toHex(), index.name(owner.verifyingKey().fingerprint()),
                meta.contentType(), meta.name(), c.time(), c.time());
    }

    /** One asset as one caller sees it, read once per request. */
    private record Seen(Hash256 lid, String id, StateRecords.Asset state, List<AssetIndex.Change> changes, String owner,
            Map<String, Hash256> grantees, AssetAccess.Level level) {}

    /** The asset as {@code caller} sees it; NOT_FOUND when it is missing, deleted, or hidden from the caller. */
    private Seen see(Caller caller, String id) throws ApiException {
        try {
            Hash256 lid = AssetIndex.ledgerId(id);
            StateRecords.Asset a = index.live(lid, id);
            List<AssetIndex.Change> changes = index.changes(lid);
            String owner = index.owner(changes);
            Map<String, Hash256> grantees = index.grantees(lid, id);
            AssetAccess.Level level = AssetAccess.of(caller, owner, grantees.keySet());
            if (level == null) {
                throw AssetAccess.hidden(id);
            }
            return new Seen(lid, id, a, changes, owner, grantees, level);
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
    }

    /** As {@link #see}, for a change: FORBIDDEN unless the caller owns the asset or is an admin. */
    private Seen seeToChange(Caller caller, String id) throws ApiException {
        Seen s = see(caller, id);
        try {
            AssetAccess.requireChange(s.level(), id);
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
        return s;
    }

    @Override
    public AssetMetadata metadata(Caller caller, String id, OptionalLong version) throws ApiException {
        Seen s = see(caller, id);
        return index.metadata(id, s.changes(), version(s.changes(), version.orElse(s.state().version()), id));
    }

    @Override
    public Page<AssetMetadata> list(Caller caller, String owner, PageRequest page) throws ApiException {
        List<AssetMetadata> all = new ArrayList<>();
        for (Hash256 lid : allAssets()) {
            try {
                AssetMetadata m = metadata(caller, lid.toHex(), OptionalLong.empty());
                if (owner == null || owner.equals(m.owner())) {
                    all.add(m);
                }
            } catch (ApiException e) {
                if (e.error() != ApiError.NOT_FOUND) {
                    throw e;
                }
            }
        }
        all.sort(Comparator.comparing(AssetMetadata::createdAt).reversed().thenComparing(AssetMetadata::id));
        return page(all, page);
    }

    /** Key rotation over this node's view of the assets ({@code stoq network rotate-keys}). */
    public KeyRotation keyRotation() {
        return rotation;
    }

    @Override
    public AssetContent openContent(Caller caller, String id, long version, ByteRange range) throws ApiException {
        Seen s = see(caller, id);
        try {
            AssetAccess.requireContent(s.level(), id);
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
        List<AssetIndex.Change> changes = s.changes();
        AssetIndex.Version v = version(changes, version, id);
        AssetMetadata meta = index.metadata(id, changes, v);
        if (range != null && range.last() >= v.meta().size()) {
            throw new ApiException(ApiError.RANGE_NOT_SATISFIABLE, "range ends past the content's " + v.meta().size() + " bytes");
        }
        try {
            AssetManifest m = manifests.verified(v.meta());
            if (!m.merkleRoot().equals(v.merkleRoot()) || m.plainSize() != v.meta().size() || m.version() != v.version()) {
                throw new ApiException(ApiError.INTERNAL, "the stored manifest of asset " + id + " does not match the ledger");
            }
            byte[] assetKey = assetKey(m, id, v);
            java.util.Map<Hash256, java.util.SortedSet<String>> where = reads instanceof io.stoq.node.peer.PeerReadThrough
                    ? locations.of(s.lid()) : java.util.Map.of();
            AssetReader reader = new AssetReader(m, assetKey, (i, entry) -> {
                try {
                    byte[] bytes;
                    if (m.pieces() != null) {
                        if (pieceReads == null) {
                            throw new NodeException(NodeErrorCode.NOT_FOUND, "asset " + id + " is erasure-coded and this node has no peers");
                        }
                        bytes = pieceReads.shard(i, entry, m.pieces(), h -> ShardLocations.holders(where, h));
                    } else {
                        bytes = reads instanceof io.stoq.node.peer.PeerReadThrough net
                                ? net.getForVerifier(entry.hash(), ShardLocations.holders(where, entry.hash()))
                                : reads.getForVerifier(entry.hash());
                    }
                    return new FetchedShard(bytes, null); // the reader verifies
                } catch (NodeException e) {
                    throw new IOException(e.getMessage(), e);
                }
            });
            InputStream body = range == null ? InputStream.nullInputStream()
                    : new ContentStream(reader, m, range.first(), range.length(), pool, readAhead, i -> recheck(m, i));
            return new AssetContent(meta, range, body);
        } catch (NodeException e) {
            if (e.code() == NodeErrorCode.KEY_UNAVAILABLE) {
                throw NodeProblems.of(e);
            }
            throw new ApiException(ApiError.INTERNAL, "asset " + id + " cannot be read from this node's store or its peers", e);
        } catch (ShardException e) {
            throw new ApiException(ApiError.INTERNAL, "asset " + id + " cannot be read from this node's store or its peers", e);
        }
    }

    @Override
    public io.stoq.fragmint.port.AssetLocations locations(Caller caller, String id, OptionalLong version) throws ApiException {
        Seen s = see(caller, id);
        AssetIndex.Version v = version(s.changes(), version.orElse(s.state().version()), id);
        try {
            AssetManifest m = manifests.verified(v.meta());
            java.util.Map<Hash256, java.util.SortedSet<String>> where = locations.of(s.lid());
            List<io.stoq.fragmint.port.AssetLocations.Shard> shards = new ArrayList<>();
            int i = 0;
            for (ShardEntry e : m.shards()) {
                List<io.stoq.fragmint.port.AssetLocations.Piece> pieces = null;
                if (m.pieces() != null) {
                    pieces = new ArrayList<>();
                    io.stoq.shard.manifest.PieceLayouts.Shard layout = m.pieces().shards().get(i);
                    for (int p = 0; p < layout.pieceHashes().size(); p++) {
                        Hash256 h = layout.pieceHashes().get(p);
                        pieces.add(new io.stoq.fragmint.port.AssetLocations.Piece(p, h.toHex(), layout.pieceSize(),
                                ShardLocations.holders(where, h)));
                    }
                }
                shards.add(new io.stoq.fragmint.port.AssetLocations.Shard(i++, e.hash().toHex(), e.storedLength(),
                        ShardLocations.holders(where, e.hash()), pieces));
            }
            return new io.stoq.fragmint.port.AssetLocations(id, v.version(), v.meta().policy(), shards);
        } catch (NodeException | ShardException e) {
            throw new ApiException(ApiError.INTERNAL, "the manifest of asset " + id + " cannot be read from this node's store or its peers",
                    e);
        }
    }

    /**
     * The policy an upload is placed under: the one the client named, else the network's default
     * ({@value #POLICY_CONFIG_KEY}, a CONFIG_CHANGE on the ledger), else {@code replicas:3}.
     */
    /**
     * Refuses an upload whose body is not what the client declared ({@code Content-Digest}), after
     * its shards are written and before anything is committed: what was written is discarded.
     */
    private void checkDeclaredDigest(NewContent content, ShardWriter.Stored s) throws ApiException {
        if (content.sha256() != null && !content.sha256().equals(s.sha256().toHex())) {
            writer.discard(s);
            throw new ApiException(ApiError.DIGEST_MISMATCH, "the body's SHA-256 is " + s.sha256().toHex()
                    + ", the request declared " + content.sha256() + "; nothing was stored");
        }
    }

    private RedundancyPolicy policy(NewContent content) throws ApiException {
        String text = content.redundancy();
        String source = "X-Stoq-Redundancy";
        if (text == null) {
            try {
                text = ledger.reader().state().config(POLICY_CONFIG_KEY);
                source = "the network's " + POLICY_CONFIG_KEY;
            } catch (LedgerException e) {
                throw new ApiException(ApiError.INTERNAL, "cannot read the network's redundancy policy", e);
            }
        }
        RedundancyPolicy p;
        try {
            p = text == null ? RedundancyPolicy.DEFAULT : RedundancyPolicy.parse(text);
        } catch (ShardException e) {
            throw ApiException.badRequest(source + ": " + e.getMessage());
        }
        return p;
    }

    /** Has every node holding the version's shards commit its location proof (no-op without peers); waits, bounded. */
    private void prove(Hash256 lid, long version, ShardWriter.Stored s) {
        if (proofs != null && !s.holdings().isEmpty()) {
            proofs.prove(lid, version, s.holdings());
        }
    }

    /**
     * The asset key of version {@code v} (manifest {@code m}) for this node; a key it cannot
     * unwrap is a {@code KEY_UNAVAILABLE} failure naming asset, version and epoch, logged and
     * counted ({@link KeyFailures}), never a generic internal error.
     */
    private byte[] assetKey(AssetManifest m, String id, AssetIndex.Version v) throws NodeException {
        Hash256 lid = AssetIndex.ledgerId(id);
        Hash256 named = Hash256.ofHex(v.meta().manifest());
        try {
            return epochs.unwrap(m, lid, named);
        } catch (NodeException e) {
            KeyFailures.Reason reason = e.code() == NodeErrorCode.NOT_PERMITTED ? KeyFailures.Reason.NO_SHARE : KeyFailures.Reason.BAD_WRAP;
            throw keyFailures.failed(epochs.nodeId(), id, v.version(), epochs.describeWraps(m, lid, named), reason, e);
        } catch (ShardException e) {
            throw keyFailures.failed(epochs.nodeId(), id, v.version(), epochs.describeWraps(m, lid, named), KeyFailures.Reason.BAD_WRAP, e);
        }
    }

    /** Reads that failed because this node could not unwrap the asset key (for /metrics and tests). */
    public KeyFailures keyFailures() {
        return keyFailures;
    }

    /** The node's codec pool (its memory budget is observable in tests and metrics). */
    public CodecPool codecPool() {
        return pool;
    }

    /** A shard failed verification on a read: the store re-hashes it and quarantines it if corrupt. */
    private void recheck(AssetManifest m, int index) {
        if (m.pieces() != null) {
            return; // no whole copy exists; each piece was checked against its hash as it was read (PieceReads)
        }
        try {
            reads.get(m.shards().get(index).hash());
        } catch (NodeException e) {
            // quarantined (CORRUPT_DATA) or gone: the read already failed, repair is a separate job
        }
    }

    /**
     * The lineage a new version of {@code s} continues: the current version's secret and the
     * chunks it stores (those still in the store), so unchanged chunks reuse their shards. An
     * asset whose current version predates lineages (suite 1) starts one with this version.
     */
    private AssetEncoder.Lineage lineage(Seen s) throws ApiException {
        AssetIndex.Version v = version(s.changes(), s.state().version(), s.id());
        try {
            AssetManifest m = manifests.verified(v.meta());
            if (!m.merkleRoot().equals(v.merkleRoot()) || m.version() != v.version()) {
                throw new ApiException(ApiError.INTERNAL, "the stored manifest of asset " + s.id() + " does not match the ledger");
            }
            if (m.suite() != AssetManifest.SUITE_V2) {
                return AssetEncoder.Lineage.fresh();
            }
            byte[] secret = epochs.unwrap(m);
            try {
                java.util.Map<Hash256, ShardEntry> known = new java.util.HashMap<>();
                for (ShardEntry e : m.shards()) {
                    if (!known.containsKey(e.chunkId()) && store.contains(e.hash())) {
                        known.put(e.chunkId(), e);
                    }
                }
                return new AssetEncoder.Lineage(secret, known);
            } finally {
                java.util.Arrays.fill(secret, (byte) 0);
            }
        } catch (NodeException | ShardException e) {
            throw new ApiException(ApiError.INTERNAL, "the current version of asset " + s.id() + " cannot be read from the local store", e);
        }
    }

    @Override
    public AssetMetadata update(Caller caller, String id, OptionalLong expectedVersion, NewContent content, InputStream body)
            throws ApiException, IOException {
        checkText(content);
        Seen seen = seeToChange(caller, id); // before the precondition: a 412 would tell a stranger the version
        Hash256 lid = seen.lid();
        StateRecords.Asset a = seen.state();
        if (expectedVersion.isPresent() && expectedVersion.getAsLong() != a.version()) {
            throw new ApiException(ApiError.PRECONDITION_FAILED, "asset " + id + " is at version " + a.version()
                    + ", not " + expectedVersion.getAsLong());
        }
        SigningKey ownerKey = key(seen.owner());
        long next = a.version() + 1;
        RedundancyPolicy policy = policy(content);
        ShardWriter.Stored s = write(body, lid, next, content.declaredLength(), lineage(seen), policy);
        checkDeclaredDigest(content, s);
        TxBody tx;
        try {
            AssetMeta meta = AssetMeta.current(s.manifestHash(), s.size(), s.sha256(), content.contentType(), content.name(),
                    s.holdings().isEmpty() ? null : policy.toString());
            tx = new TxBody.AssetUpdate(lid, next, s.merkleRoot(), meta.encode());
        } catch (RuntimeException e) {
            writer.discard(s);
            throw e;
        }
        try {
            commitOrDiscard(ownerKey, tx, s);
        } catch (ApiException e) {
            if (expectedVersion.isPresent() && e.error() == ApiError.CONFLICT) { // another writer committed version `next` first
                throw new ApiException(ApiError.PRECONDITION_FAILED, "asset " + id + " moved past version " + a.version()
                        + " while this upload ran; nothing was stored");
            }
            throw e;
        }
        prove(lid, next, s);
        return metadata(caller, id, OptionalLong.of(next));
    }

    @Override
    public AssetMetadata transfer(Caller caller, String id, String newOwner) throws ApiException {
        Seen seen = seeToChange(caller, id);
        Hash256 lid = seen.lid();
        String owner = seen.owner();
        if (newOwner == null || accounts.account(newOwner).isEmpty()) {
            throw new ApiException(ApiError.UNPROCESSABLE, "unknown account '" + newOwner + "'");
        }
        if (newOwner.equals(owner)) {
            throw new ApiException(ApiError.UNPROCESSABLE, "account " + newOwner + " already owns asset " + id);
        }
        SigningKey to = key(newOwner);
        commit(key(owner), List.of(to), new TxBody.TokenTransfer(lid, to.verifyingKey().fingerprint(), 1));
        // the answer to the caller's own transfer, although a former owner no longer sees the asset
        List<AssetIndex.Change> changes = changes(lid);
        return index.metadata(id, changes, version(changes, seen.state().version(), id));
    }

    @Override
    public void delete(Caller caller, String id) throws ApiException {
        Seen seen = seeToChange(caller, id);
        commit(key(seen.owner()), List.of(), new TxBody.AssetDelete(seen.lid(), "deleted by " + caller.accountId()));
    }

    @Override
    public void deleteVersion(Caller caller, String id, long version) throws ApiException {
        Seen seen = seeToChange(caller, id);
        if (version == seen.state().version()) {
            throw new ApiException(ApiError.CONFLICT, "version " + version + " is the latest version of asset " + id
                    + "; delete the asset instead");
        }
        version(seen.changes(), version, id); // NOT_FOUND when it never was or is deleted already
        // The ledger decides a race (VERSION_DELETED, STALE_VERSION); the shards go with the next sweep.
        commit(key(seen.owner()), List.of(), new TxBody.AssetVersionDelete(seen.lid(), version, "deleted by " + caller.accountId()));
    }

    @Override
    public Page<AssetVersion> history(Caller caller, String id, PageRequest page) throws ApiException {
        Seen s = see(caller, id);
        String onlyGrantsOf = s.level() == AssetAccess.Level.GRANTEE ? caller.accountId() : null;
        return page(index.history(s.changes(), onlyGrantsOf), page);
    }

    @Override
    public AssetProof proof(Caller caller, String id, OptionalLong version) throws ApiException {
        Seen s = see(caller, id);
        AssetIndex.Version v = version(s.changes(), version.orElse(s.state().version()), id);
        try {
            ProofBundle b = ProofBuilder.build(ledger.reader().store(), v.txId(), crlEvidence(id));
            List<String> path = new ArrayList<>();
            for (Hash256 h : b.inclusion().path()) {
                path.add(h.toHex());
            }
            Hash256 blockHash = Sha3.hash(b.header());
            return new AssetProof(id, v.version(), v.merkleRoot().toHex(), v.meta().manifest(), v.txId().toHex(), v.height(),
                    blockHash.toHex(), path, Base64.getEncoder().encodeToString(b.encode()));
        } catch (LedgerException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot build the proof of asset " + id, e);
        }
    }

    @Override
    public AssetGrant grant(Caller caller, String id, String account) throws ApiException {
        Seen s = seeToChange(caller, id);
        if (account == null || accounts.account(account).isEmpty()) {
            throw new ApiException(ApiError.UNPROCESSABLE, "unknown account '" + account + "'");
        }
        if (account.equals(s.owner())) {
            throw new ApiException(ApiError.UNPROCESSABLE, "account " + account + " owns asset " + id + " already");
        }
        if (s.grantees().containsKey(account)) {
            throw new ApiException(ApiError.CONFLICT, "account " + account + " may already read asset " + id);
        }
        SigningKey grantee = key(account);
        Committed c = commit(key(s.owner()), List.of(grantee),
                new TxBody.ReadGrant(s.lid(), grantee.verifyingKey().fingerprint()));
        return new AssetGrant(id, account, s.owner(), c.height(), c.time());
    }

    @Override
    public void revoke(Caller caller, String id, String account) throws ApiException {
        Seen s = seeToChange(caller, id);
        Hash256 grantee = s.grantees().get(account);
        if (grantee == null) {
            throw ApiException.notFound("read grant of account " + account + " on asset " + id);
        }
        commit(key(s.owner()), List.of(), new TxBody.ReadRevoke(s.lid(), grantee));
    }

    @Override
    public Page<AssetGrant> grants(Caller caller, String id, PageRequest page) throws ApiException {
        Seen s = seeToChange(caller, id);
        return page(index.grants(id, s.changes(), s.grantees().keySet()), page);
    }

    private List<byte[]> crlEvidence(String id) throws ApiException {
        try {
            return crl.current();
        } catch (NodeException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot build the proof of asset " + id + ": the node's CRL is unreadable", e);
        }
    }

    /**
     * Deletes shards and manifests no committed version references: what an upload interrupted by
     * a crash left behind. Call only before the API starts. Deleted assets keep their shards (the
     * periodic {@link #sweep} frees them after the retention). Returns how many files it removed.
     */
    public int sweepOrphans() throws NodeException {
        return sweep.run(null, java.time.Instant.now()).removed();
    }

    /**
     * Frees what no version needs: shards and manifests that no committed version of a live
     * asset names, nor any version of an asset deleted less than {@code deletedRetention} ago,
     * nor an upload in progress. Safe while the node serves ({@link StorageSweep}). {@code now}
     * is compared with the block times of deletions.
     */
    public StorageSweep.Result sweep(java.time.Duration deletedRetention, java.time.Instant now) throws NodeException {
        return sweep.run(deletedRetention, now);
    }

    /**
     * Commits the version's tx; its shards are discarded only once the ledger settles that the tx
     * will never be committed (refused, or withdrawn after {@code ledger.commit-timeout} before the
     * writer took it). A failure with the outcome still open (the block is being written, or its
     * write failed) keeps them: a version that commits later must find its shards, and the
     * start-up orphan sweep removes them if it never does.
     */
    private Committed commitOrDiscard(SigningKey signer, TxBody tx, ShardWriter.Stored s) throws ApiException {
        Committed c;
        try {
            c = ledger.commit(signer, List.of(), tx, () -> writer.discard(s));
        } catch (NodeException | LedgerException e) {
            throw NodeProblems.of(e);
        }
        writer.settled(s); // (an outcome still open keeps the pins: a sweep must not free a version that may yet commit)
        try {
            sealer.submit(s.body()); // committed and durable: the seal follows, the answer need not wait for it
        } catch (NodeException e) {
            // stopping: the body is durable and the tx names it; the next start seals it (sealUnsealed)
        }
        return c;
    }

    // The port's answers are problems; the services below fail with node and ledger codes, mapped here.

    private Committed commit(SigningKey signer, List<SigningKey> mustExist, TxBody body) throws ApiException {
        try {
            return ledger.commit(signer, mustExist, body);
        } catch (NodeException | LedgerException e) {
            throw NodeProblems.of(e);
        }
    }

    private static AssetIndex.Version version(List<AssetIndex.Change> changes, long number, String id) throws ApiException {
        try {
            return AssetIndex.version(changes, number, id);
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
    }

    private List<AssetIndex.Change> changes(Hash256 lid) throws ApiException {
        try {
            return index.changes(lid);
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
    }

    private List<Hash256> allAssets() throws ApiException {
        try {
            return index.allAssets();
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
    }

    private ShardWriter.Stored write(InputStream body, Hash256 lid, long version, OptionalLong declared,
            AssetEncoder.Lineage lineage, RedundancyPolicy policy) throws ApiException, IOException {
        try {
            return writer.write(body, lid, version, declared, lineage, policy);
        } catch (NodeException e) {
            throw NodeProblems.of(e);
        }
    }

    /**
     * Hands the sealer every committed manifest body that has no seal yet (left by a stop or a
     * crash between commit and seal). Call once at start, before the API; returns how many.
     */
    public int sealUnsealed() throws NodeException {
        return manifests.submitUnsealed(index);
    }

    private SigningKey key(String account) throws ApiException {
        try {
            return keys.keyOf(account);
        } catch (NodeException e) {
            throw new ApiException(ApiError.INTERNAL, "no ledger key for account " + account, e);
        }
    }

    private static void checkText(NewContent content) throws ApiException {
        if (content.name() != null && content.name().length() > MAX_TEXT) {
            throw new ApiException(ApiError.UNPROCESSABLE, "file name longer than " + MAX_TEXT + " characters");
        }
        if (content.contentType() != null && content.contentType().length() > MAX_TEXT) {
            throw new ApiException(ApiError.UNPROCESSABLE, "content type longer than " + MAX_TEXT + " characters");
        }
    }

    private static String ledgerName(String name) {
        if (name == null || name.isBlank() || name.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_NAME_BYTES) {
            return "asset"; // the ledger needs a non-empty name; the real one (if any) is in the metadata
        }
        return name;
    }

    private static <T> Page<T> page(List<T> all, PageRequest page) throws ApiException {
        int start = 0;
        if (page.cursor() != null) {
            try {
                start = Integer.parseInt(page.cursor());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid cursor");
            }
            if (start < 0 || start > all.size()) {
                throw ApiException.badRequest("invalid cursor");
            }
        }
        int end = Math.min(all.size(), start + page.limit());
        return new Page<>(all.subList(start, end), end < all.size() ? Integer.toString(end) : null);
    }
}
