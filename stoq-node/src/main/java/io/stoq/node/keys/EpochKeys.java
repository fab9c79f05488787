package io.stoq.node.keys;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeIdentityExtension;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.NodeCertificates;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.LedgerReader;
import io.stoq.shard.ShardException;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.WrappedAssetKey;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's view of the network's data-key epochs (DESIGN s.8): which ML-KEM key new asset keys
 * are wrapped to, and how this node unwraps any asset key it may read.
 *
 * <p>An epoch is a {@code KEY_EPOCH} tx: the epoch's ML-KEM public key and, per member node, the
 * private key sealed to that node's own ML-KEM key ({@link EpochShare}). Uploads wrap their asset
 * key to the current epoch's public key ({@link #wrapKey}); a read finds, among the manifest's
 * wrapped keys, one for an epoch this node holds a share of (or, for versions written before the
 * network had epochs, for this node's own ML-KEM key) and unwraps it ({@link #unwrap}). A node
 * left out of an epoch (revoked before it was made) has no share and cannot unwrap what was
 * wrapped to it.
 *
 * <p>A node's share of an epoch is in the epoch's own KEY_EPOCH tx (it was a member when the
 * epoch was made) or in a later {@code KEY_SHARE} tx (a member sealed the epoch to it after its
 * registration, {@link EpochSharing}); either counts only when sealed to this node's current
 * ML-KEM key.
 *
 * <p>Epochs and shares are read from the ledger (the {@link Indexes#KEY_EPOCHS} index) when first
 * needed and cached (re-read when a share is looked for and the ledger has grown); an opened
 * epoch private key stays in memory for the process's life. Thread-safe.
 */
public final class EpochKeys {
    /** One epoch as the ledger has it. */
    public record Epoch(long number, PublicKey publicKey, TxBody.KeyEpoch body) {
        public Hash256 fingerprint() {
            return AssetKeys.fingerprint(publicKey);
        }
    }

    private final LedgerReader ledger;
    private final String nodeId;
    private final KeyPair nodeKem;
    private final Map<Long, Epoch> epochs = new ConcurrentHashMap<>();
    private final Map<Hash256, Long> byFingerprint = new ConcurrentHashMap<>();
    private final Map<Long, PrivateKey> opened = new ConcurrentHashMap<>();
    /** Every share the ledger holds per epoch, KEY_EPOCH's and KEY_SHARE's, in chain order. */
    private final Map<Long, List<Share>> shares = new ConcurrentHashMap<>();
    /** Guarded by this: the index entries already read, and the ledger height of the last read. */
    private final java.util.Set<Hash256> seen = new java.util.HashSet<>();
    private long refreshedAt = Long.MIN_VALUE;

    /**
     * One node's share of an epoch as the ledger has it: the node id, the ML-KEM key it is sealed
     * to, the sealed bytes ({@link EpochShare}). {@code recipient} is null when the bytes do not
     * name a key (such a share opens for nobody).
     */
    public record Share(String nodeId, PublicKey recipient, byte[] sealed) {
        boolean sealedTo(String node, PublicKey kem) {
            return nodeId.equals(node) && recipient != null && java.util.Arrays.equals(recipient.getEncoded(), kem.getEncoded());
        }
    }

    /**
     * @param ledger the applied ledger (its epochs)
     * @param nodeId this node's id (the share it opens)
     * @param nodeKem this node's own ML-KEM key pair (its certificate's kem-key claim)
     */
    public EpochKeys(LedgerReader ledger, String nodeId, KeyPair nodeKem) {
        this.ledger = ledger;
        this.nodeId = nodeId;
        this.nodeKem = nodeKem;
    }

    /** The ledger's current epoch, empty while the network has none (before its first KEY_EPOCH). */
    public java.util.Optional<Epoch> current() throws NodeException {
        try {
            long n = ledger.state().currentEpoch();
            return n == 0 ? java.util.Optional.empty() : java.util.Optional.of(epoch(n));
        } catch (LedgerException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "cannot read the current key epoch: " + e.getMessage(), e);
        }
    }

    /**
     * The ML-KEM key a new asset key is wrapped to: the current epoch's; this node's own key only
     * while the network has no epoch yet (a ledger from before epochs, until its first is made).
     */
    public PublicKey wrapKey() throws NodeException {
        return current().map(Epoch::publicKey).orElse(nodeKem.getPublic());
    }

    /**
     * The asset key of {@code manifest} for this node: through an epoch it holds a share of, else
     * its own ML-KEM key. {@code NOT_PERMITTED} when the manifest is wrapped only to keys this node
     * has no part in (an epoch it was left out of, another node's own key).
     */
    public byte[] unwrap(AssetManifest manifest) throws NodeException, ShardException {
        Hash256 own = AssetKeys.fingerprint(nodeKem.getPublic());
        List<String> tried = new ArrayList<>();
        for (WrappedAssetKey k : manifest.keys()) {
            if (k.recipient().equals(own)) {
                return AssetKeys.unwrap(manifest, nodeKem.getPrivate(), nodeKem.getPublic());
            }
        }
        for (WrappedAssetKey k : manifest.keys()) {
            Epoch e = epochOf(k.recipient());
            if (e == null) {
                tried.add(k.recipient().toHex().substring(0, 16));
                continue;
            }
            return AssetKeys.unwrap(manifest, privateKey(e), e.publicKey());
        }
        throw new NodeException(NodeErrorCode.NOT_PERMITTED, "asset " + manifest.assetId() + " version " + manifest.version()
                + " is wrapped only to ML-KEM keys that are not a key epoch of this network nor node " + nodeId + "'s own ("
                + String.join(", ", tried) + ")");
    }

    /** One re-wrap of a version's asset key to a later epoch (a KEY_REWRAP tx's entry). */
    public record Rewrap(long epoch, io.stoq.crypto.kem.KeyWrapper.WrappedKey wrapped) {}

    /**
     * The asset key of {@code manifest} (the verified manifest the ledger names by
     * {@code manifestHash}, of ledger asset {@code assetId}) for this node: first through a
     * re-wrap of a key rotation to an epoch this node holds a share of (newest first), else as
     * {@link #unwrap(AssetManifest)}. A re-wrap is bound to the manifest's asset id and version
     * and its key is checked by the shards' AES-GCM tags on the read, as the manifest's own wrap is.
     */
    public byte[] unwrap(AssetManifest manifest, Hash256 assetId, Hash256 manifestHash) throws NodeException, ShardException {
        List<Rewrap> rewraps = rewraps(assetId, manifest.version(), manifestHash);
        for (int i = rewraps.size() - 1; i >= 0; i--) {
            Rewrap r = rewraps.get(i);
            if (holdsShare(epoch(r.epoch()))) {
                return unwrap(manifest, r);
            }
        }
        return unwrap(manifest);
    }

    /**
     * The key epochs {@code manifest}'s key is wrapped to, for messages: "key epoch 2", "key
     * epochs 1, 3" (the manifest's own wraps and any re-wraps), or what else it is wrapped to.
     */
    public String describeWraps(AssetManifest manifest, Hash256 assetId, Hash256 manifestHash) {
        java.util.TreeSet<Long> numbers = new java.util.TreeSet<>();
        int other = 0;
        try {
            for (WrappedAssetKey k : manifest.keys()) {
                Epoch e = epochOf(k.recipient());
                if (e != null) {
                    numbers.add(e.number());
                } else {
                    other++;
                }
            }
            for (Rewrap r : rewraps(assetId, manifest.version(), manifestHash)) {
                numbers.add(r.epoch());
            }
        } catch (NodeException e) {
            return "its key epochs (unreadable: " + e.getMessage() + ")";
        }
        if (numbers.isEmpty()) {
            return other + " ML-KEM key(s) that are no key epoch of this network";
        }
        String list = numbers.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
        return (numbers.size() == 1 ? "key epoch " : "key epochs ") + list;
    }

    /** Unwraps one re-wrap of {@code manifest}'s key; {@code NOT_PERMITTED} without a share of its epoch. */
    public byte[] unwrap(AssetManifest manifest, Rewrap rewrap) throws NodeException, ShardException {
        return AssetKeys.unwrap(manifest, rewrap.wrapped(), privateKey(epoch(rewrap.epoch())));
    }

    /**
     * The re-wraps the ledger holds for version {@code version} of ledger asset {@code assetId}
     * whose manifest is {@code manifestHash}, in chain order (oldest epoch first).
     */
    public List<Rewrap> rewraps(Hash256 assetId, long version, Hash256 manifestHash) throws NodeException {
        List<Rewrap> out = new ArrayList<>();
        try {
            for (Hash256 txId : ledger.store().indexed(Indexes.KEY_REWRAPS, assetId)) {
                StoredTx t = ledger.store().tx(txId);
                if (t == null || !(t.tx().body() instanceof TxBody.KeyRewrap body)) {
                    continue;
                }
                for (TxBody.VersionWrap w : body.wraps()) {
                    if (w.version() == version && w.manifest().equals(manifestHash)) {
                        out.add(new Rewrap(body.epoch(), new io.stoq.crypto.kem.KeyWrapper.WrappedKey(KemAlgorithm.fromId(w.kemAlgorithm()),
                                w.kemCiphertext(), w.wrappedKey())));
                    }
                }
            }
        } catch (LedgerException | CryptoException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "cannot read the key re-wraps of asset " + assetId.toHex().substring(0, 16)
                    + " from the ledger: " + e.getMessage(), e);
        }
        return out;
    }

    /** Whether this node holds a share of {@code epoch} (it was a member when the epoch was made, or was given one since). */
    public boolean holdsShare(Epoch epoch) throws NodeException {
        return shareOf(epoch, nodeId, nodeKem.getPublic()) != null;
    }

    /**
     * Node {@code node}'s share of {@code epoch} sealed to {@code kem}, or null: from the epoch's
     * own tx or a later KEY_SHARE (the ledger is read again once when none is cached and it grew).
     */
    public Share shareOf(Epoch epoch, String node, PublicKey kem) throws NodeException {
        for (int pass = 0; pass < 2; pass++) {
            for (Share sh : shares.getOrDefault(epoch.number(), List.of())) {
                if (sh.sealedTo(node, kem)) {
                    return sh;
                }
            }
            if (pass == 0 && !refreshIfGrown()) {
                return null;
            }
        }
        return null;
    }

    /** Every share of {@code epoch} the ledger holds (the epoch's own, then later KEY_SHAREs, in chain order). */
    public List<Share> shares(Epoch epoch) throws NodeException {
        refreshIfGrown();
        return List.copyOf(shares.getOrDefault(epoch.number(), List.of()));
    }

    /** Every epoch of the ledger, oldest first (empty before the first). */
    public List<Epoch> all() throws NodeException {
        long now = current().map(Epoch::number).orElse(0L);
        List<Epoch> out = new ArrayList<>();
        for (long n = 1; n <= now; n++) {
            out.add(epoch(n));
        }
        return out;
    }

    /**
     * This node's private key of {@code epoch}: its share opened with the node's own ML-KEM key.
     * {@code NOT_PERMITTED} when the epoch has no share for this node (it was not a member, or was
     * revoked, when the epoch was made).
     */
    public PrivateKey privateKey(Epoch epoch) throws NodeException {
        PrivateKey cached = opened.get(epoch.number());
        if (cached != null) {
            return cached;
        }
        Share share = shareOf(epoch, nodeId, nodeKem.getPublic());
        if (share != null) {
            PrivateKey key = EpochShare.open(epoch.number(), epoch.publicKey(), nodeId, share.sealed(), nodeKem.getPrivate(),
                    nodeKem.getPublic());
            opened.put(epoch.number(), key);
            return key;
        }
        throw new NodeException(NodeErrorCode.NOT_PERMITTED, "node " + nodeId + " holds no share of key epoch " + epoch.number()
                + " (it was not a member when the epoch was made and no member has shared it since)");
    }

    /** Epoch {@code number} as the ledger has it ({@code NOT_FOUND} when there is none). */
    public Epoch epoch(long number) throws NodeException {
        Epoch e = epochs.get(number);
        if (e == null) {
            refresh();
            e = epochs.get(number);
        }
        if (e == null) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, "the ledger has no key epoch " + number);
        }
        return e;
    }

    private Epoch epochOf(Hash256 fingerprint) throws NodeException {
        Long n = byFingerprint.get(fingerprint);
        if (n == null) {
            refresh();
            n = byFingerprint.get(fingerprint);
        }
        return n == null ? null : epochs.get(n);
    }

    /** Reads the index again when the ledger grew since the last read; whether it did. */
    private boolean refreshIfGrown() throws NodeException {
        synchronized (this) {
            if (ledger.height() == refreshedAt) {
                return false;
            }
        }
        refresh();
        return true;
    }

    /** Reads every KEY_EPOCH and KEY_SHARE tx of the ledger not read yet (few: one per rotation, one per joined node). */
    private synchronized void refresh() throws NodeException {
        try {
            refreshedAt = ledger.height();
            for (Hash256 txId : ledger.store().indexed(Indexes.KEY_EPOCHS, Indexes.KEY_EPOCH_SUBJECT)) {
                if (seen.contains(txId)) {
                    continue;
                }
                StoredTx t = ledger.store().tx(txId);
                if (t == null) {
                    continue;
                }
                if (t.tx().body() instanceof TxBody.KeyEpoch body && !epochs.containsKey(body.epoch())) {
                    Epoch e = new Epoch(body.epoch(), EpochShare.publicKey(body.publicKey(), "key epoch " + body.epoch() + "'s key"), body);
                    List<Share> list = new ArrayList<>();
                    for (TxBody.NodeShare ns : body.shares()) {
                        list.add(new Share(ns.nodeId(), recipientOrNull(ns.sealed()), ns.sealed()));
                    }
                    shares.merge(e.number(), list, EpochKeys::concat);
                    epochs.put(e.number(), e);
                    byFingerprint.put(e.fingerprint(), e.number());
                } else if (t.tx().body() instanceof TxBody.KeyShare body) {
                    String to = NodeIdentityExtension.from(NodeCertificates.parse(body.recipientChain().get(0))).nodeId();
                    PublicKey kem = EpochShare.publicKey(body.kemPublicKey(), "node " + to + "'s ML-KEM key");
                    for (TxBody.EpochShareOf es : body.shares()) {
                        shares.merge(es.epoch(), List.of(new Share(to, kem, es.sealed())), EpochKeys::concat);
                    }
                }
                seen.add(txId);
            }
        } catch (LedgerException | CryptoException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "cannot read the key epochs from the ledger: " + e.getMessage(), e);
        }
    }

    private static List<Share> concat(List<Share> a, List<Share> b) {
        List<Share> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static PublicKey recipientOrNull(byte[] sealed) {
        try {
            return EpochShare.recipient(sealed);
        } catch (NodeException e) {
            return null; // a share that names no key: nobody opens it
        }
    }

    /**
     * A new epoch {@code number}: a fresh ML-KEM-768 key pair, its private key sealed to each of
     * {@code members} (node id to ML-KEM public key). The caller checks the members' keys
     * ({@link #requireCertifiedKem}) and signs the tx as an admin.
     */
    public static TxBody.KeyEpoch newEpoch(long number, Map<String, PublicKey> members) throws NodeException {
        try {
            KeyPair pair = KemAlgorithm.ML_KEM_768.generateKeyPair();
            List<TxBody.NodeShare> shares = new ArrayList<>();
            for (Map.Entry<String, PublicKey> m : members.entrySet()) {
                shares.add(new TxBody.NodeShare(m.getKey(), EpochShare.seal(number, pair.getPublic(), pair.getPrivate(), m.getKey(),
                        m.getValue())));
            }
            return new TxBody.KeyEpoch(number, KemAlgorithm.ML_KEM_768.id(), pair.getPublic().getEncoded(), List.copyOf(shares));
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot make key epoch " + number + ": " + e.getMessage(), e);
        }
    }

    /**
     * The members of the next epoch: every node that is registered and not revoked and whose
     * ML-KEM key is known, from the current epoch's shares or {@code extra} (keys given by the
     * operator, e.g. the founders'); each key checked against the node's certificate. Revoked
     * nodes are left out: they receive no later epoch.
     */
    public Map<String, PublicKey> nextMembers(Map<String, PublicKey> extra) throws NodeException {
        Map<String, PublicKey> candidates = new LinkedHashMap<>();
        java.util.Optional<Epoch> now = current();
        if (now.isPresent()) {
            for (Share s : shares(now.get())) { // the epoch's members and every node given it since (KEY_SHARE)
                if (s.recipient() != null) {
                    candidates.put(s.nodeId(), s.recipient());
                }
            }
        }
        candidates.putAll(extra);
        Map<String, PublicKey> members = new LinkedHashMap<>();
        for (Map.Entry<String, PublicKey> c : candidates.entrySet()) {
            try {
                StateRecords.Node n = ledger.state().node(c.getKey());
                if (n == null || n.revoked()) {
                    continue;
                }
            } catch (LedgerException e) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "cannot read node " + c.getKey() + ": " + e.getMessage(), e);
            }
            requireCertifiedKem(c.getKey(), c.getValue());
            members.put(c.getKey(), c.getValue());
        }
        return members;
    }

    /**
     * Fails ({@code NOT_PERMITTED}) unless {@code kem} is the ML-KEM key node {@code nodeId}'s
     * registered certificate claims: an epoch key is sealed only to keys the CA bound to a node.
     */
    public void requireCertifiedKem(String nodeId, PublicKey kem) throws NodeException {
        try {
            StateRecords.Node n = ledger.state().node(nodeId);
            StoredTx register = n == null ? null : ledger.store().tx(n.registerTx());
            if (register == null || !(register.tx().body() instanceof TxBody.NodeRegister r)) {
                throw new NodeException(NodeErrorCode.NOT_FOUND, "node " + nodeId + " is not registered on the ledger");
            }
            NodeClaims claims = NodeIdentityExtension.from(NodeCertificates.parse(r.chainDer().get(0)));
            if (!claims.kemKeyHash().equals(Sha3.hash(kem.getEncoded()))) {
                throw new NodeException(NodeErrorCode.NOT_PERMITTED, "the ML-KEM key given for node " + nodeId
                        + " is not the one its certificate binds");
            }
        } catch (LedgerException | CryptoException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "cannot read node " + nodeId + "'s certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Seals {@code plain} to the current epoch (network secrets: TOTP secrets, custodial account
     * keys), bound to {@code context}: {@code u64 epoch | bytes KEM ciphertext | bytes AES-256-GCM},
     * the key HKDF-SHA3-256(KEM secret, "stoq/epoch-seal/v1", u64 epoch || context), the aad the
     * same. Any member node of that epoch opens it ({@link #open}).
     */
    public byte[] seal(byte[] plain, byte[] context) throws NodeException {
        Epoch e = current().orElseThrow(() -> new NodeException(NodeErrorCode.ILLEGAL_STATE,
                "the network has no key epoch yet: secrets cannot be sealed to it"));
        try {
            KemAlgorithm.Encapsulation enc = KemAlgorithm.of(e.publicKey()).encapsulate(e.publicKey());
            byte[] info = sealInfo(e.number(), context);
            byte[] k = io.stoq.crypto.kdf.Hkdf.SHA3_256.derive(enc.secret(), SEAL_SALT, info, io.stoq.crypto.aead.AesGcm.KEY_LENGTH);
            try {
                return new io.stoq.ledger.tx.CanonicalWriter().u64(e.number()).bytes(enc.ciphertext())
                        .bytes(io.stoq.crypto.aead.AesGcm.seal(k, info, plain)).toBytes();
            } finally {
                java.util.Arrays.fill(k, (byte) 0);
            }
        } catch (CryptoException x) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot seal to key epoch " + e.number() + ": " + x.getMessage(), x);
        }
    }

    /** Opens what {@link #seal} made with the same {@code context}; {@code NOT_PERMITTED} without a share of its epoch. */
    public byte[] open(byte[] sealed, byte[] context) throws NodeException {
        try {
            io.stoq.ledger.tx.CanonicalReader in = new io.stoq.ledger.tx.CanonicalReader(sealed, "sealed secret");
            long number = in.u64("epoch");
            byte[] ct = in.bytes("kemCiphertext", io.stoq.ledger.tx.Limits.MAX_KEY_BYTES);
            byte[] box = in.bytes("box", io.stoq.ledger.tx.Limits.MAX_ACCOUNT_RECORD_BYTES);
            in.finish();
            Epoch e = epoch(number);
            byte[] info = sealInfo(number, context);
            byte[] k = io.stoq.crypto.kdf.Hkdf.SHA3_256.derive(KemAlgorithm.of(e.publicKey()).decapsulate(privateKey(e), ct), SEAL_SALT,
                    info, io.stoq.crypto.aead.AesGcm.KEY_LENGTH);
            try {
                return io.stoq.crypto.aead.AesGcm.open(k, info, box);
            } finally {
                java.util.Arrays.fill(k, (byte) 0);
            }
        } catch (LedgerException | CryptoException x) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "a secret sealed to a key epoch does not open: " + x.getMessage(), x);
        }
    }

    private static final byte[] SEAL_SALT = "stoq/epoch-seal/v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static byte[] sealInfo(long epoch, byte[] context) {
        return new io.stoq.ledger.tx.CanonicalWriter().u64(epoch).bytes(context).toBytes();
    }

    /** This node's id. */
    public String nodeId() {
        return nodeId;
    }

    /** This node's own ML-KEM public key. */
    public PublicKey nodeKemKey() {
        return nodeKem.getPublic();
    }
}
