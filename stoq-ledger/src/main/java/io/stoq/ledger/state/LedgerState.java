package io.stoq.ledger.state;

import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.state.StateRecords.Account;
import io.stoq.ledger.state.StateRecords.Asset;
import io.stoq.ledger.state.StateRecords.Genesis;
import io.stoq.ledger.state.StateRecords.Node;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.Role;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Typed reads and writes of the ledger state over a {@link StateOverlay}. Every key starts with a
 * one-byte kind so kinds never collide and a store scan groups them:
 *
 * <pre>
 * 0x01 account(32)                   -> u8 role | bytes spki
 * 0x02 signer(32)                    -> u64 last nonce
 * 0x03 asset(32)                     -> asset head (name, version, manifest root, creator, supply, policy, deleted)
 * 0x04 asset(32) account(32)         -> u64 balance (absent when 0)
 * 0x05 asset(32) u64 version         -> 32 manifest root | 32 metadata hash
 * 0x06 nodeId                        -> node (falcon spki, serial, notAfter, revoked, register tx id, u8 roles:
 *                                       bit 0 storage, bit 1 voter, bit 2 gateway)
 * 0x07 signer(32)                    -> nodeId (a node's Falcon key fingerprint)
 * 0x08 asset(32) u64 version nodeId  -> 32 hash of the node's shard list | u32 count
 * 0x09 u64 epoch                     -> 32 hash of the key-epoch tx body;  0x0A -> u64 current epoch
 * 0x0B config key                    -> value
 * 0x0C network 0x00 -> u64 height | 32 block hash | 32 state root  (latest anchor per network)
 * 0x0D                               -> genesis (network, root cert DER)
 * 0x0E asset(32)                     -> u32 n | n x 32 grantee account ids, ascending (absent when none)
 * 0x0F asset(32) u64 version         -> u8 1: the version is deleted (absent while it is not)
 * 0x10 H(API account id)(32)         -> u64 record revision | 32 SHA3-256 of the record (ACCOUNT_RECORD)
 * 0x11 H(bucket)(32)                 -> string bucket | 32 owner account | u64 bound keys | u64 block ms
 * 0x12 H(bucket)(32) key bytes       -> 32 asset | u64 version | bytes attributes (NAME_BIND); keys sort
 *                                       byte-wise, so one bucket's names scan in S3's (UTF-8 binary) order
 * 0x13 u64 epoch nodeId              -> bytes certificate serial | 32 SHA3-256 of the sealed share (KEY_SHARE only:
 *                                       shares inside a KEY_EPOCH tx are not state, that tx's hash is)
 * </pre>
 *
 * Not thread-safe: owned by the thread applying a block.
 */
public final class LedgerState {
    private static final byte ACCOUNT = 0x01, NONCE = 0x02, ASSET = 0x03, BALANCE = 0x04, VERSION = 0x05, NODE = 0x06,
            NODE_KEY = 0x07, LOCATION = 0x08, EPOCH = 0x09, CURRENT_EPOCH = 0x0A, CONFIG = 0x0B, ANCHOR = 0x0C, GENESIS = 0x0D,
            GRANTS = 0x0E, VERSION_DELETED = 0x0F, ACCOUNT_RECORD = 0x10,
            BUCKET = 0x11, NAME = 0x12,
            EPOCH_SHARE = 0x13;

    private final StateOverlay state;

    public LedgerState(StateOverlay state) {
        this.state = state;
    }

    public StateOverlay overlay() {
        return state;
    }

    // ---- keys -----------------------------------------------------------------------------

    private static byte[] key(byte kind, byte[]... parts) {
        CanonicalWriter w = new CanonicalWriter().u8(kind);
        for (byte[] p : parts) {
            w.raw(p);
        }
        return w.toBytes();
    }

    private static byte[] u64(long v) {
        return new CanonicalWriter().u64(v).toBytes();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- genesis --------------------------------------------------------------------------

    public Genesis genesis() throws LedgerException {
        byte[] v = state.get(new byte[] {GENESIS});
        if (v == null) {
            return null;
        }
        CanonicalReader in = new CanonicalReader(v, "genesis state");
        Genesis g = new Genesis(in.string("network", Limits.MAX_NAME_BYTES), in.bytes("rootCert", Limits.MAX_CERT_BYTES));
        in.finish();
        return g;
    }

    public void putGenesis(Genesis g) {
        state.put(new byte[] {GENESIS}, new CanonicalWriter().string(g.network()).bytes(g.rootCertDer()).toBytes());
    }

    // ---- accounts and nonces --------------------------------------------------------------

    public Account account(Hash256 id) throws LedgerException {
        byte[] v = state.get(key(ACCOUNT, id.toBytes()));
        if (v == null) {
            return null;
        }
        CanonicalReader in = new CanonicalReader(v, "account state");
        Account a = new Account(Role.fromCode(in.u8("role"), in), in.bytes("spki", Limits.MAX_KEY_BYTES));
        in.finish();
        return a;
    }

    public void putAccount(Account a) {
        state.put(key(ACCOUNT, Sha3.hash(a.spki()).toBytes()), new CanonicalWriter().u8(a.role().code()).bytes(a.spki()).toBytes());
    }

    /** The last nonce {@code signer} used, 0 when it has made no tx. */
    public long nonce(Hash256 signer) throws LedgerException {
        byte[] v = state.get(key(NONCE, signer.toBytes()));
        return v == null ? 0 : readU64(v, "nonce state");
    }

    public void putNonce(Hash256 signer, long nonce) {
        state.put(key(NONCE, signer.toBytes()), u64(nonce));
    }

    // ---- assets and balances --------------------------------------------------------------

    public Asset asset(Hash256 assetId) throws LedgerException {
        byte[] v = state.get(key(ASSET, assetId.toBytes()));
        if (v == null) {
            return null;
        }
        CanonicalReader in = new CanonicalReader(v, "asset state");
        Asset a = new Asset(in.string("name", Limits.MAX_NAME_BYTES), in.u64("version"), in.hash("manifestRoot"), in.hash("creator"),
                in.u64("supply"), AssetPolicy.fromCode(in.u8("policy"), in), in.bool("deleted"));
        in.finish();
        return a;
    }

    public void putAsset(Hash256 assetId, Asset a) {
        state.put(key(ASSET, assetId.toBytes()), new CanonicalWriter().string(a.name()).u64(a.version()).hash(a.manifestRoot())
                .hash(a.creator()).u64(a.supply()).u8(a.policy().code()).bool(a.deleted()).toBytes());
    }

    public long balance(Hash256 assetId, Hash256 account) throws LedgerException {
        byte[] v = state.get(key(BALANCE, assetId.toBytes(), account.toBytes()));
        return v == null ? 0 : readU64(v, "balance state");
    }

    /** Sets a balance; zero removes the entry so the state holds only real holdings. */
    public void putBalance(Hash256 assetId, Hash256 account, long amount) {
        byte[] k = key(BALANCE, assetId.toBytes(), account.toBytes());
        if (amount == 0) {
            state.delete(k);
        } else {
            state.put(k, u64(amount));
        }
    }

    public void putVersion(Hash256 assetId, long version, Hash256 manifestRoot, byte[] metadata) {
        state.put(key(VERSION, assetId.toBytes(), u64(version)),
                new CanonicalWriter().hash(manifestRoot).hash(Sha3.hash(metadata)).toBytes());
    }

    public boolean versionDeleted(Hash256 assetId, long version) throws LedgerException {
        return state.get(key(VERSION_DELETED, assetId.toBytes(), u64(version))) != null;
    }

    public void putVersionDeleted(Hash256 assetId, long version) {
        state.put(key(VERSION_DELETED, assetId.toBytes(), u64(version)), new byte[] {1});
    }

    // ---- S3 buckets and object names -------------------------------------------------------

    /** The state key prefix of every bucket record (scan it to list buckets). */
    public static byte[] bucketsPrefix() {
        return new byte[] {BUCKET};
    }

    /** The state key prefix of one bucket's object names; a key's state key is this plus its UTF-8 bytes. */
    public static byte[] namesPrefix(String bucket) {
        return key(NAME, Sha3.hash(utf8(bucket)).toBytes());
    }

    public StateRecords.Bucket bucket(String name) throws LedgerException {
        byte[] v = state.get(key(BUCKET, Sha3.hash(utf8(name)).toBytes()));
        return v == null ? null : decodeBucket(v);
    }

    /** Decodes a bucket record read by a scan of {@link #bucketsPrefix()}. */
    public static StateRecords.Bucket decodeBucket(byte[] v) throws LedgerException {
        CanonicalReader in = new CanonicalReader(v, "bucket state");
        StateRecords.Bucket b = new StateRecords.Bucket(in.string("bucket", Limits.MAX_BUCKET_BYTES), in.hash("owner"), in.u64("objects"),
                Instant.ofEpochMilli(in.u64("created")));
        in.finish();
        return b;
    }

    /** Writes a bucket record; null removes bucket {@code name}. */
    public void putBucket(String name, StateRecords.Bucket b) {
        byte[] k = key(BUCKET, Sha3.hash(utf8(name)).toBytes());
        if (b == null) {
            state.delete(k);
        } else {
            state.put(k, new CanonicalWriter().string(b.name()).hash(b.owner()).u64(b.objects())
                    .u64(b.created().toEpochMilli()).toBytes());
        }
    }

    public StateRecords.ObjectName objectName(String bucket, byte[] objectKey) throws LedgerException {
        byte[] v = state.get(concat(namesPrefix(bucket), objectKey));
        return v == null ? null : decodeObjectName(v);
    }

    /** Decodes a name record read by a scan of {@link #namesPrefix(String)}. */
    public static StateRecords.ObjectName decodeObjectName(byte[] v) throws LedgerException {
        CanonicalReader in = new CanonicalReader(v, "object name state");
        StateRecords.ObjectName n = new StateRecords.ObjectName(in.hash("assetId"), in.u64("version"),
                in.bytes("attributes", Limits.MAX_OBJECT_ATTRIBUTES_BYTES));
        in.finish();
        return n;
    }

    /** Binds {@code objectKey}; null unbinds it. */
    public void putObjectName(String bucket, byte[] objectKey, StateRecords.ObjectName n) {
        byte[] k = concat(namesPrefix(bucket), objectKey);
        if (n == null) {
            state.delete(k);
        } else {
            state.put(k, new CanonicalWriter().hash(n.assetId()).u64(n.version()).bytes(n.attributes()).toBytes());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ---- read grants ----------------------------------------------------------------------

    /**
     * Accounts holding a live read grant on the asset, in ascending id order (empty when none). One
     * value per asset, so clearing every grant (an ownership change) is a single delete.
     */
    public List<Hash256> grants(Hash256 assetId) throws LedgerException {
        byte[] v = state.get(key(GRANTS, assetId.toBytes()));
        if (v == null) {
            return List.of();
        }
        CanonicalReader in = new CanonicalReader(v, "grant state");
        List<Hash256> grantees = in.hashes("grantees", Limits.MAX_GRANTS);
        in.finish();
        return grantees;
    }

    /** Sets the asset's grantees (sorted here; duplicates collapse); an empty list removes the entry. */
    public void putGrants(Hash256 assetId, java.util.Collection<Hash256> grantees) {
        byte[] k = key(GRANTS, assetId.toBytes());
        if (grantees.isEmpty()) {
            state.delete(k);
        } else {
            state.put(k, new CanonicalWriter().hashes(List.copyOf(new java.util.TreeSet<>(grantees))).toBytes());
        }
    }

    // ---- nodes ----------------------------------------------------------------------------

    public Node node(String nodeId) throws LedgerException {
        byte[] v = state.get(key(NODE, utf8(nodeId)));
        if (v == null) {
            return null;
        }
        CanonicalReader in = new CanonicalReader(v, "node state");
        Node n = new Node(nodeId, in.bytes("spki", Limits.MAX_KEY_BYTES), in.bytes("serial", 64),
                Instant.ofEpochMilli(in.u64("notAfter")), in.bool("revoked"), in.hash("registerTx"), roles(in.u8("roles")));
        in.finish();
        return n;
    }

    /** Role bits of a node record; fixed here (never enum ordinals) because they are in the state root. */
    private static int roleBits(Set<NodeRole> roles) {
        return (roles.contains(NodeRole.STORAGE) ? 1 : 0) | (roles.contains(NodeRole.VOTER) ? 2 : 0)
                | (roles.contains(NodeRole.GATEWAY) ? 4 : 0);
    }

    private static Set<NodeRole> roles(int bits) {
        Set<NodeRole> roles = EnumSet.noneOf(NodeRole.class);
        if ((bits & 1) != 0) {
            roles.add(NodeRole.STORAGE);
        }
        if ((bits & 2) != 0) {
            roles.add(NodeRole.VOTER);
        }
        if ((bits & 4) != 0) {
            roles.add(NodeRole.GATEWAY);
        }
        return roles;
    }

    /** The node whose Falcon key has fingerprint {@code signer}, or null. */
    public Node nodeBySigner(Hash256 signer) throws LedgerException {
        byte[] v = state.get(key(NODE_KEY, signer.toBytes()));
        if (v == null) {
            return null;
        }
        Node n = node(new String(v, StandardCharsets.UTF_8));
        // A node re-registered after revocation has a new key; its old key stays revoked.
        return Sha3.hash(n.falconSpki()).equals(signer) ? n : n.revoke();
    }

    public void putNode(Node n) {
        state.put(key(NODE, utf8(n.nodeId())), new CanonicalWriter().bytes(n.falconSpki()).bytes(n.serial())
                .u64(n.notAfter().toEpochMilli()).bool(n.revoked()).hash(n.registerTx()).u8(roleBits(n.roles())).toBytes());
        state.put(key(NODE_KEY, Sha3.hash(n.falconSpki()).toBytes()), utf8(n.nodeId()));
    }

    public boolean hasLocation(Hash256 assetId, long version, String nodeId) throws LedgerException {
        return state.get(key(LOCATION, assetId.toBytes(), u64(version), utf8(nodeId))) != null;
    }

    /**
     * A node's location proofs of one asset version: the hash and length of its latest list and
     * how many proofs it committed (more than one when repair brought it copies later).
     */
    public record LocationRecord(Hash256 lastListHash, int lastCount, int proofs) {}

    /** The hash a location proof's shard list is recorded under. */
    public static Hash256 shardListHash(List<Hash256> shardHashes) {
        return Sha3.hash(new CanonicalWriter().hashes(shardHashes).toBytes());
    }

    /** The node's location proofs of the version, null when it proved none. */
    public LocationRecord location(Hash256 assetId, long version, String nodeId) throws LedgerException {
        byte[] v = state.get(key(LOCATION, assetId.toBytes(), u64(version), utf8(nodeId)));
        if (v == null) {
            return null;
        }
        if (v.length != 36 && v.length != 40) {
            throw new LedgerException(LedgerErrorCode.CORRUPT, "location state of " + nodeId + " has " + v.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        byte[] h = new byte[32];
        b.get(h);
        int count = b.getInt();
        return new LocationRecord(Hash256.of(h), count, v.length == 36 ? 1 : b.getInt());
    }

    /**
     * Records a location proof. The first proof of a node for a version keeps the layout it always
     * had ({@code hash · u32 count}), so a chain written before repair proofs replays to the same
     * state root; a later proof appends {@code u32 proofs}.
     */
    public void putLocation(Hash256 assetId, long version, String nodeId, Hash256 shardListHash, int count) throws LedgerException {
        LocationRecord before = location(assetId, version, nodeId);
        CanonicalWriter w = new CanonicalWriter().hash(shardListHash).u32(count);
        if (before != null) {
            w.u32(before.proofs() + 1);
        }
        state.put(key(LOCATION, assetId.toBytes(), u64(version), utf8(nodeId)), w.toBytes());
    }

    // ---- network --------------------------------------------------------------------------

    /** The revision of API account {@code accountId}'s record, 0 when it has none. */
    public long accountRecordRevision(String accountId) throws LedgerException {
        byte[] v = state.get(key(ACCOUNT_RECORD, Sha3.hash(utf8(accountId)).toBytes()));
        return v == null ? 0 : readU64(java.util.Arrays.copyOf(v, 8), "account record state");
    }

    public void putAccountRecord(String accountId, long revision, Hash256 recordHash) {
        state.put(key(ACCOUNT_RECORD, Sha3.hash(utf8(accountId)).toBytes()), new CanonicalWriter().u64(revision).hash(recordHash).toBytes());
    }

    public long currentEpoch() throws LedgerException {
        byte[] v = state.get(new byte[] {CURRENT_EPOCH});
        return v == null ? 0 : readU64(v, "epoch state");
    }

    public void putEpoch(long epoch, Hash256 bodyHash) {
        state.put(key(EPOCH, u64(epoch)), bodyHash.toBytes());
        state.put(new byte[] {CURRENT_EPOCH}, u64(epoch));
    }

    /**
     * Whether a {@code KEY_SHARE} gave node {@code nodeId}, under the certificate of serial
     * {@code serial}, a share of {@code epoch}. (Shares in the epoch's own KEY_EPOCH tx are not
     * state.)
     */
    public boolean hasEpochShare(long epoch, String nodeId, byte[] serial) throws LedgerException {
        byte[] v = state.get(key(EPOCH_SHARE, u64(epoch), utf8(nodeId)));
        return v != null && java.util.Arrays.equals(new CanonicalReader(v, "epoch share state").bytes("serial", 64), serial);
    }

    public void putEpochShare(long epoch, String nodeId, byte[] serial, Hash256 sealedHash) {
        state.put(key(EPOCH_SHARE, u64(epoch), utf8(nodeId)), new CanonicalWriter().bytes(serial).hash(sealedHash).toBytes());
    }

    public String config(String configKey) throws LedgerException {
        byte[] v = state.get(key(CONFIG, utf8(configKey)));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    public void putConfig(String configKey, String value) {
        if (value.isEmpty()) {
            state.delete(key(CONFIG, utf8(configKey)));
        } else {
            state.put(key(CONFIG, utf8(configKey)), utf8(value));
        }
    }

    /** Height of the latest anchor recorded for {@code network}, -1 when none. */
    public long anchorHeight(String network) throws LedgerException {
        byte[] v = state.get(key(ANCHOR, utf8(network), new byte[] {0}));
        return v == null ? -1 : new CanonicalReader(v, "anchor state").u64("height");
    }

    public void putAnchor(String network, long height, Hash256 blockHash, Hash256 stateRoot) {
        state.put(key(ANCHOR, utf8(network), new byte[] {0}), new CanonicalWriter().u64(height).hash(blockHash).hash(stateRoot).toBytes());
    }

    private static long readU64(byte[] v, String what) throws LedgerException {
        CanonicalReader in = new CanonicalReader(v, what);
        long x = in.u64("value");
        in.finish();
        return x;
    }
}
