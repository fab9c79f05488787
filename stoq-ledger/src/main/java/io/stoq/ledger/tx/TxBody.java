package io.stoq.ledger.tx;

import static io.stoq.ledger.tx.Limits.MAX_CERT_BYTES;
import static io.stoq.ledger.tx.Limits.MAX_CHAIN;
import static io.stoq.ledger.tx.Limits.MAX_KEY_BYTES;
import static io.stoq.ledger.tx.Limits.MAX_LIST;
import static io.stoq.ledger.tx.Limits.MAX_METADATA_BYTES;
import static io.stoq.ledger.tx.Limits.MAX_NAME_BYTES;
import static io.stoq.ledger.tx.Limits.MAX_SHARDS;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerException;
import java.util.ArrayList;
import java.util.List;

/**
 * The type-specific part of a {@link Transaction}. Each record encodes its fields in declaration
 * order with {@link CanonicalWriter}; {@link #decode} is the exact inverse and enforces
 * {@link Limits}. Semantic rules (authority, balances, versions) live in {@code validate}.
 */
public sealed interface TxBody {
    TxType type();

    void encode(CanonicalWriter out);

    /** Decodes the body of a tx of {@code type}. */
    static TxBody decode(TxType type, CanonicalReader in) throws LedgerException {
        return switch (type) {
            case GENESIS -> new Genesis(in.string("network", MAX_NAME_BYTES),
                    in.byteList("admins", MAX_LIST, MAX_KEY_BYTES), in.bytes("rootCert", MAX_CERT_BYTES));
            case ACCOUNT_REGISTER -> new AccountRegister(in.bytes("spki", MAX_KEY_BYTES), Role.fromCode(in.u8("role"), in));
            case ASSET_CREATE -> new AssetCreate(in.hash("assetId"), in.string("name", MAX_NAME_BYTES), in.hash("manifestRoot"),
                    in.bytes("metadata", MAX_METADATA_BYTES), in.u64("supply"), AssetPolicy.fromCode(in.u8("policy"), in));
            case ASSET_UPDATE -> new AssetUpdate(in.hash("assetId"), in.u64("version"), in.hash("manifestRoot"),
                    in.bytes("metadata", MAX_METADATA_BYTES));
            case TOKEN_TRANSFER -> new TokenTransfer(in.hash("assetId"), in.hash("to"), in.u64("amount"));
            case ASSET_DELETE -> new AssetDelete(in.hash("assetId"), in.string("reason", MAX_NAME_BYTES));
            case NODE_REGISTER -> new NodeRegister(in.byteList("chain", MAX_CHAIN, MAX_CERT_BYTES));
            case NODE_REVOKE -> new NodeRevoke(in.string("nodeId", MAX_NAME_BYTES), in.string("reason", MAX_NAME_BYTES));
            case LOCATION_PROOF -> new LocationProof(in.hash("assetId"), in.u64("version"), in.string("nodeId", MAX_NAME_BYTES),
                    in.hashes("shards", MAX_SHARDS));
            case KEY_EPOCH -> decodeKeyEpoch(in);
            case CONFIG_CHANGE -> new ConfigChange(in.string("key", MAX_NAME_BYTES), in.string("value", MAX_NAME_BYTES));
            case CROSS_NETWORK_ANCHOR -> new CrossNetworkAnchor(in.string("network", MAX_NAME_BYTES), in.u64("height"),
                    in.hash("blockHash"), in.hash("stateRoot"));
            case READ_GRANT -> new ReadGrant(in.hash("assetId"), in.hash("grantee"));
            case READ_REVOKE -> new ReadRevoke(in.hash("assetId"), in.hash("grantee"));
            case ASSET_VERSION_DELETE -> new AssetVersionDelete(in.hash("assetId"), in.u64("version"),
                    in.string("reason", MAX_NAME_BYTES));
            case ACCOUNT_RECORD -> new AccountRecord(in.string("accountId", MAX_NAME_BYTES), in.u64("revision"),
                    in.bytes("record", Limits.MAX_ACCOUNT_RECORD_BYTES));
            case KEY_REWRAP -> decodeKeyRewrap(in);
            case BUCKET_CREATE -> new BucketCreate(in.string("bucket", Limits.MAX_BUCKET_BYTES));
            case BUCKET_DELETE -> new BucketDelete(in.string("bucket", Limits.MAX_BUCKET_BYTES));
            case NAME_BIND -> new NameBind(in.string("bucket", Limits.MAX_BUCKET_BYTES),
                    in.bytes("key", Limits.MAX_OBJECT_KEY_BYTES), in.hash("assetId"), in.u64("version"),
                    in.bytes("attributes", Limits.MAX_OBJECT_ATTRIBUTES_BYTES));
            case KEY_SHARE -> decodeKeyShare(in);
        };
    }

    private static KeyEpoch decodeKeyEpoch(CanonicalReader in) throws LedgerException {
        long epoch = in.u64("epoch");
        String kem = in.string("kemAlgorithm", MAX_NAME_BYTES);
        byte[] publicKey = in.bytes("publicKey", MAX_KEY_BYTES);
        int count = in.count("shares", MAX_LIST);
        List<NodeShare> shares = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            shares.add(new NodeShare(in.string("share.nodeId", MAX_NAME_BYTES), in.bytes("share.sealed", MAX_KEY_BYTES * 2)));
        }
        return new KeyEpoch(epoch, kem, publicKey, List.copyOf(shares));
    }

    private static KeyRewrap decodeKeyRewrap(CanonicalReader in) throws LedgerException {
        Hash256 assetId = in.hash("assetId");
        long epoch = in.u64("epoch");
        int count = in.count("wraps", MAX_LIST);
        List<VersionWrap> wraps = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            wraps.add(new VersionWrap(in.u64("wrap.version"), in.hash("wrap.manifest"), in.string("wrap.kemAlgorithm", MAX_NAME_BYTES),
                    in.bytes("wrap.kemCiphertext", MAX_KEY_BYTES), in.bytes("wrap.wrappedKey", MAX_KEY_BYTES)));
        }
        return new KeyRewrap(assetId, epoch, List.copyOf(wraps));
    }

    private static KeyShare decodeKeyShare(CanonicalReader in) throws LedgerException {
        List<byte[]> chain = in.byteList("chain", MAX_CHAIN, MAX_CERT_BYTES);
        byte[] kem = in.bytes("kemPublicKey", MAX_KEY_BYTES);
        int count = in.count("shares", MAX_LIST);
        List<EpochShareOf> shares = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            shares.add(new EpochShareOf(in.u64("share.epoch"), in.bytes("share.sealed", MAX_KEY_BYTES * 2)));
        }
        return new KeyShare(chain, kem, List.copyOf(shares));
    }

    /** Block 0's only tx: the network's name, its first admin keys (SPKI) and its root CA certificate (DER). */
    record Genesis(String network, List<byte[]> adminSpkis, byte[] rootCertDer) implements TxBody {
        public TxType type() {
            return TxType.GENESIS;
        }

        public void encode(CanonicalWriter out) {
            out.string(network).byteList(adminSpkis).bytes(rootCertDer);
        }
    }

    /** Registers the account whose key is {@code spki}; admin-signed. */
    record AccountRegister(byte[] spki, Role role) implements TxBody {
        public TxType type() {
            return TxType.ACCOUNT_REGISTER;
        }

        public void encode(CanonicalWriter out) {
            out.bytes(spki).u8(role.code());
        }
    }

    /** Creates asset {@code assetId} at version 1 and mints {@code supply} tokens to the signer. */
    record AssetCreate(Hash256 assetId, String name, Hash256 manifestRoot, byte[] metadata, long supply, AssetPolicy policy)
            implements TxBody {
        public TxType type() {
            return TxType.ASSET_CREATE;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).string(name).hash(manifestRoot).bytes(metadata).u64(supply).u8(policy.code());
        }
    }

    /** Makes {@code version} (current + 1) the asset's current version. */
    record AssetUpdate(Hash256 assetId, long version, Hash256 manifestRoot, byte[] metadata) implements TxBody {
        public TxType type() {
            return TxType.ASSET_UPDATE;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).u64(version).hash(manifestRoot).bytes(metadata);
        }
    }

    /** Moves {@code amount} tokens of the asset from the signer to account {@code to} (a key fingerprint). */
    record TokenTransfer(Hash256 assetId, Hash256 to, long amount) implements TxBody {
        public TxType type() {
            return TxType.TOKEN_TRANSFER;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).hash(to).u64(amount);
        }
    }

    /** Tombstones the asset. */
    record AssetDelete(Hash256 assetId, String reason) implements TxBody {
        public TxType type() {
            return TxType.ASSET_DELETE;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).string(reason);
        }
    }

    /** Admits the node certified by {@code chainDer} (leaf first, root excluded); admin-signed. */
    record NodeRegister(List<byte[]> chainDer) implements TxBody {
        public TxType type() {
            return TxType.NODE_REGISTER;
        }

        public void encode(CanonicalWriter out) {
            out.byteList(chainDer);
        }
    }

    /** Revokes a registered node; admin-signed. */
    record NodeRevoke(String nodeId, String reason) implements TxBody {
        public TxType type() {
            return TxType.NODE_REVOKE;
        }

        public void encode(CanonicalWriter out) {
            out.string(nodeId).string(reason);
        }
    }

    /** Node {@code nodeId} holds these shards of the asset version; signed by that node's Falcon key. */
    record LocationProof(Hash256 assetId, long version, String nodeId, List<Hash256> shardHashes) implements TxBody {
        public TxType type() {
            return TxType.LOCATION_PROOF;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).u64(version).string(nodeId).hashes(shardHashes);
        }
    }

    /** One node's copy of the epoch private key, sealed to that node's ML-KEM key. */
    record NodeShare(String nodeId, byte[] sealed) {}

    /** A new data-key epoch: its ML-KEM public key and the private part sealed per node. */
    record KeyEpoch(long epoch, String kemAlgorithm, byte[] publicKey, List<NodeShare> shares) implements TxBody {
        public TxType type() {
            return TxType.KEY_EPOCH;
        }

        public void encode(CanonicalWriter out) {
            out.u64(epoch).string(kemAlgorithm).bytes(publicKey).u32(shares.size());
            for (NodeShare share : shares) {
                out.string(share.nodeId()).bytes(share.sealed());
            }
        }
    }

    /**
     * One version's asset key wrapped anew to an epoch's ML-KEM key: {@code manifest} is the
     * version's manifest hash (the ledger's name for it), the rest a KEM key wrap.
     */
    record VersionWrap(long version, Hash256 manifest, String kemAlgorithm, byte[] kemCiphertext, byte[] wrappedKey) {}

    /**
     * Versions of asset {@code assetId} re-wrapped to data-key epoch {@code epoch} (a key rotation):
     * readers holding a share of that epoch unwrap these instead of the manifest's own wrap.
     * Opaque key material to the ledger; the shards' AES-GCM tags check the key on a read.
     */
    record KeyRewrap(Hash256 assetId, long epoch, List<VersionWrap> wraps) implements TxBody {
        public TxType type() {
            return TxType.KEY_REWRAP;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).u64(epoch).u32(wraps.size());
            for (VersionWrap w : wraps) {
                out.u64(w.version()).hash(w.manifest()).string(w.kemAlgorithm()).bytes(w.kemCiphertext()).bytes(w.wrappedKey());
            }
        }
    }

    /** One epoch's private key sealed to the recipient of a {@link KeyShare} (opaque to the ledger). */
    record EpochShareOf(long epoch, byte[] sealed) {}

    /**
     * Shares of data-key epochs for a node registered after they were made: each epoch's private
     * key sealed to the ML-KEM key {@code kemPublicKey} (SPKI) that the node's certificate
     * ({@code recipientChain}, node certificate first, the chain it is registered with) binds.
     * Signed by a member node (its Falcon key), the one that admitted the recipient.
     */
    record KeyShare(List<byte[]> recipientChain, byte[] kemPublicKey, List<EpochShareOf> shares) implements TxBody {
        public KeyShare {
            recipientChain = List.copyOf(recipientChain);
            shares = List.copyOf(shares);
        }

        public TxType type() {
            return TxType.KEY_SHARE;
        }

        public void encode(CanonicalWriter out) {
            out.byteList(recipientChain).bytes(kemPublicKey).u32(shares.size());
            for (EpochShareOf s : shares) {
                out.u64(s.epoch()).bytes(s.sealed());
            }
        }
    }

    /** Sets network configuration {@code key} to {@code value} (empty value removes it). */
    record ConfigChange(String key, String value) implements TxBody {
        public TxType type() {
            return TxType.CONFIG_CHANGE;
        }

        public void encode(CanonicalWriter out) {
            out.string(key).string(value);
        }
    }

    /** Records another network's block at {@code height} (hash and state root), for cross-network proofs. */
    record CrossNetworkAnchor(String network, long height, Hash256 blockHash, Hash256 stateRoot) implements TxBody {
        public TxType type() {
            return TxType.CROSS_NETWORK_ANCHOR;
        }

        public void encode(CanonicalWriter out) {
            out.string(network).u64(height).hash(blockHash).hash(stateRoot);
        }
    }

    /**
     * Lets account {@code grantee} (a key fingerprint) read the asset; signed by whoever the asset's
     * policy lets change it (its owner). Grants are state: they count in the state root.
     */
    record ReadGrant(Hash256 assetId, Hash256 grantee) implements TxBody {
        public TxType type() {
            return TxType.READ_GRANT;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).hash(grantee);
        }
    }

    /**
     * Revision {@code revision} (the account's current + 1; 1 creates it) of API account
     * {@code accountId}'s record: an opaque, versioned node-level encoding of its role, API key
     * hashes and secrets sealed to the key epoch (docs/security.md). Admin-signed.
     */
    record AccountRecord(String accountId, long revision, byte[] record) implements TxBody {
        public TxType type() {
            return TxType.ACCOUNT_RECORD;
        }

        public void encode(CanonicalWriter out) {
            out.string(accountId).u64(revision).bytes(record);
        }
    }

    /** Takes back {@code grantee}'s read grant on the asset; same authority as {@link ReadGrant}. */
    record ReadRevoke(Hash256 assetId, Hash256 grantee) implements TxBody {
        public TxType type() {
            return TxType.READ_REVOKE;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).hash(grantee);
        }
    }

    /**
     * Deletes version {@code version} of the asset, an earlier one than the current: readers no
     * longer get it, and its shards are freed once no other version uses them. Same authority as
     * {@link AssetDelete}.
     */
    record AssetVersionDelete(Hash256 assetId, long version, String reason) implements TxBody {
        public TxType type() {
            return TxType.ASSET_VERSION_DELETE;
        }

        public void encode(CanonicalWriter out) {
            out.hash(assetId).u64(version).string(reason);
        }
    }

    /** Creates S3 bucket {@code bucket}, owned by the signer. */
    record BucketCreate(String bucket) implements TxBody {
        public TxType type() {
            return TxType.BUCKET_CREATE;
        }

        public void encode(CanonicalWriter out) {
            out.string(bucket);
        }
    }

    /** Deletes the empty S3 bucket {@code bucket}; its owner or an admin signs. */
    record BucketDelete(String bucket) implements TxBody {
        public TxType type() {
            return TxType.BUCKET_DELETE;
        }

        public void encode(CanonicalWriter out) {
            out.string(bucket);
        }
    }

    /**
     * Binds object key {@code key} (UTF-8 bytes) of {@code bucket} to version {@code version} of
     * asset {@code assetId}, replacing any earlier binding of the key; a zero asset id unbinds the
     * key. {@code attributes} are opaque to the ledger (the gateway's ETag and user metadata).
     * The bucket's owner or an admin signs.
     */
    record NameBind(String bucket, byte[] key, Hash256 assetId, long version, byte[] attributes) implements TxBody {
        /** The asset id that unbinds a key. */
        public static final Hash256 UNBIND = Hash256.of(new byte[32]);

        public TxType type() {
            return TxType.NAME_BIND;
        }

        public void encode(CanonicalWriter out) {
            out.string(bucket).bytes(key).hash(assetId).u64(version).bytes(attributes);
        }
    }
}
