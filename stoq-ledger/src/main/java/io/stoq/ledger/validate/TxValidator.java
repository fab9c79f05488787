package io.stoq.ledger.validate;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.StateRecords.Account;
import io.stoq.ledger.state.StateRecords.Asset;
import io.stoq.ledger.state.StateRecords.Genesis;
import io.stoq.ledger.state.StateRecords.Node;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The ledger's validation rules. {@link #check} reads the state and throws
 * {@link TxRejectedException} with a {@link RejectReason} for the first rule a tx breaks; it never
 * writes. Rules, in order: schema and sizes (the codec already enforced the hard limits), signature,
 * a known and unrevoked signer, the signer's next nonce, then per-type authority and state checks.
 *
 * <p>Deterministic: depends only on the tx, the state and the block context. Stateless and thread-safe.
 */
public final class TxValidator {
    private static final Pattern ACCOUNT_ID = Pattern.compile("[a-z0-9._-]{1,64}");
    /** S3 bucket names as AWS allows them for new buckets (no upper case, no underscores). */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern CONFIG_KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");

    private TxValidator() {}

    /** Who signed: an account, a node, or (in genesis only) nobody known yet. */
    public record Signer(Hash256 id, Account account, Node node) {}

    /**
     * Checks {@code tx} against {@code state}. {@code signatureChecked} lets a caller that already
     * verified the signature (in parallel, say) skip the expensive step.
     */
    public static Signer check(LedgerState state, Transaction tx, BlockContext ctx, boolean signatureChecked) throws LedgerException {
        if (!tx.withinLimits()) {
            throw reject(RejectReason.MALFORMED, "the tx breaks the schema's size limits and could not be decoded");
        }
        Genesis genesis = state.genesis();
        if (!signatureChecked && !tx.signatureValid(genesis != null ? NetworkId.of(genesis.network(), genesis.rootCertDer())
                : tx.body() instanceof TxBody.Genesis g ? NetworkId.of(g) : null)) {
            throw reject(RejectReason.BAD_SIGNATURE, "signature does not verify under the signer key for this network");
        }
        if (tx.body() instanceof TxBody.Genesis g) {
            checkGenesis(tx, g, genesis, ctx);
            return new Signer(tx.signer(), null, null);
        }
        if (genesis == null) {
            throw reject(RejectReason.NOT_AUTHORIZED, "the ledger has no genesis yet; only a GENESIS tx may come first");
        }
        Signer signer = signer(state, tx);
        long last = state.nonce(tx.signer());
        if (tx.nonce() <= last) {
            throw reject(RejectReason.REPLAY, "nonce " + tx.nonce() + " already used (last " + last + ")");
        }
        if (tx.nonce() != last + 1) {
            throw reject(RejectReason.NONCE_GAP, "nonce " + tx.nonce() + " but the next is " + (last + 1));
        }
        if (signer.node() != null && !(tx.body() instanceof TxBody.LocationProof) && !(tx.body() instanceof TxBody.KeyShare)) {
            throw reject(RejectReason.NOT_AUTHORIZED, "nodes may only sign location proofs and key shares");
        }
        TxBody body = tx.body();
        switch (tx.type()) {
            case GENESIS -> throw new IllegalStateException("handled above");
            case ACCOUNT_REGISTER -> {
                TxBody.AccountRegister r = (TxBody.AccountRegister) body;
                requireAdmin(signer);
                parseKey(r.spki());
                Hash256 id = Sha3.hash(r.spki());
                if (state.account(id) != null || state.nodeBySigner(id) != null) {
                    throw reject(RejectReason.ALREADY_EXISTS, "account " + short16(id) + " is already registered");
                }
            }
            case ASSET_CREATE -> {
                TxBody.AssetCreate c = (TxBody.AssetCreate) body;
                if (c.supply() <= 0) {
                    throw reject(RejectReason.MALFORMED, "token supply must be positive");
                }
                if (c.name().isBlank()) {
                    throw reject(RejectReason.MALFORMED, "asset name is empty");
                }
                if (state.asset(c.assetId()) != null) {
                    throw reject(RejectReason.ALREADY_EXISTS, "asset " + short16(c.assetId()) + " already exists");
                }
            }
            case ASSET_UPDATE -> {
                TxBody.AssetUpdate u = (TxBody.AssetUpdate) body;
                Asset a = liveAsset(state, u.assetId());
                if (u.version() != a.version() + 1) {
                    throw reject(RejectReason.STALE_VERSION, "update names version " + u.version() + " but the asset is at " + a.version());
                }
                requirePolicy(state, u.assetId(), a, tx.signer());
            }
            case TOKEN_TRANSFER -> {
                TxBody.TokenTransfer t = (TxBody.TokenTransfer) body;
                Asset a = liveAsset(state, t.assetId());
                if (t.amount() <= 0 || t.amount() > a.supply()) {
                    throw reject(RejectReason.MALFORMED, "transfer amount " + Long.toUnsignedString(t.amount()) + " out of range");
                }
                if (t.to().equals(tx.signer())) {
                    throw reject(RejectReason.MALFORMED, "transfer to self");
                }
                if (state.account(t.to()) == null) {
                    throw reject(RejectReason.UNKNOWN_RECIPIENT, "recipient " + short16(t.to()) + " is not a registered account");
                }
                long balance = state.balance(t.assetId(), tx.signer());
                if (balance == 0) {
                    throw reject(RejectReason.NOT_A_HOLDER, "signer holds no tokens of asset " + short16(t.assetId()));
                }
                if (t.amount() > balance) {
                    throw reject(RejectReason.INSUFFICIENT_BALANCE, "transfer of " + t.amount() + " exceeds the balance " + balance);
                }
            }
            case ASSET_DELETE -> {
                TxBody.AssetDelete d = (TxBody.AssetDelete) body;
                Asset a = liveAsset(state, d.assetId());
                requirePolicy(state, d.assetId(), a, tx.signer());
            }
            case BUCKET_CREATE -> {
                TxBody.BucketCreate b = (TxBody.BucketCreate) body;
                if (!BUCKET.matcher(b.bucket()).matches() || b.bucket().contains("..")) {
                    throw reject(RejectReason.MALFORMED, "bucket name '" + b.bucket() + "' is not 3-63 lower-case letters, digits, dots or hyphens");
                }
                if (state.bucket(b.bucket()) != null) {
                    throw reject(RejectReason.ALREADY_EXISTS, "bucket " + b.bucket() + " already exists");
                }
            }
            case BUCKET_DELETE -> {
                TxBody.BucketDelete d = (TxBody.BucketDelete) body;
                io.stoq.ledger.state.StateRecords.Bucket b = bucketFor(state, d.bucket(), signer);
                if (b.objects() != 0) {
                    throw reject(RejectReason.NOT_EMPTY, "bucket " + d.bucket() + " still holds " + b.objects() + " objects");
                }
            }
            case NAME_BIND -> {
                TxBody.NameBind n = (TxBody.NameBind) body;
                bucketFor(state, n.bucket(), signer);
                if (n.key().length == 0) {
                    throw reject(RejectReason.MALFORMED, "object key is empty");
                }
                if (n.assetId().equals(TxBody.NameBind.UNBIND)) {
                    if (state.objectName(n.bucket(), n.key()) == null) {
                        throw reject(RejectReason.UNKNOWN_NAME, "the key is not bound in bucket " + n.bucket());
                    }
                } else {
                    Asset a = liveAsset(state, n.assetId());
                    if (n.version() < 1 || Long.compareUnsigned(n.version(), a.version()) > 0) {
                        throw reject(RejectReason.STALE_VERSION, "binding names version " + Long.toUnsignedString(n.version())
                                + " but the asset is at " + a.version());
                    }
                }
            }
            case ASSET_VERSION_DELETE -> {
                TxBody.AssetVersionDelete d = (TxBody.AssetVersionDelete) body;
                Asset a = liveAsset(state, d.assetId());
                if (d.version() < 1 || Long.compareUnsigned(d.version(), a.version()) >= 0) {
                    throw reject(RejectReason.STALE_VERSION, "version " + Long.toUnsignedString(d.version())
                            + " is not an earlier version: the asset is at " + a.version() + " (delete the asset to remove its current version)");
                }
                if (state.versionDeleted(d.assetId(), d.version())) {
                    throw reject(RejectReason.VERSION_DELETED, "version " + d.version() + " is deleted already");
                }
                requirePolicy(state, d.assetId(), a, tx.signer());
            }
            case NODE_REGISTER -> {
                TxBody.NodeRegister n = (TxBody.NodeRegister) body;
                requireAdmin(signer);
                NodeIdentity cert = NodeCertificates.validate(n.chainDer(), genesis.rootCertDer(), ctx.time());
                Node existing = state.node(cert.nodeId());
                if (existing != null && !existing.revoked()) {
                    throw reject(RejectReason.ALREADY_EXISTS, "node " + cert.nodeId() + " is already registered");
                }
                if (existing != null && java.util.Arrays.equals(existing.serial(), cert.serial().toByteArray())) {
                    throw reject(RejectReason.NODE_REVOKED, "certificate serial " + cert.serial().toString(16) + " was revoked");
                }
                Hash256 keyId = cert.falconKey().fingerprint();
                if (state.account(keyId) != null || state.nodeBySigner(keyId) != null) {
                    throw reject(RejectReason.ALREADY_EXISTS, "the node's key is already registered");
                }
            }
            case NODE_REVOKE -> {
                TxBody.NodeRevoke r = (TxBody.NodeRevoke) body;
                requireAdmin(signer);
                Node n = state.node(r.nodeId());
                if (n == null) {
                    throw reject(RejectReason.UNKNOWN_NODE, "node " + r.nodeId() + " is not registered");
                }
                if (n.revoked()) {
                    throw reject(RejectReason.NODE_REVOKED, "node " + r.nodeId() + " is already revoked");
                }
            }
            case LOCATION_PROOF -> {
                TxBody.LocationProof p = (TxBody.LocationProof) body;
                if (signer.node() == null || !signer.node().nodeId().equals(p.nodeId())) {
                    throw reject(RejectReason.NOT_AUTHORIZED, "a location proof must be signed by the node it names");
                }
                if (ctx.time().isAfter(signer.node().notAfter())) {
                    throw reject(RejectReason.BAD_CERTIFICATE, "node " + p.nodeId() + "'s certificate expired at " + signer.node().notAfter());
                }
                Asset a = liveAsset(state, p.assetId());
                if (p.version() < 1 || p.version() > a.version()) {
                    throw reject(RejectReason.STALE_VERSION, "asset has no version " + p.version());
                }
                if (p.shardHashes().isEmpty()) {
                    throw reject(RejectReason.MALFORMED, "location proof lists no shards");
                }
                // A node proves a version again when repair brings it copies it did not hold at the
                // first proof; the same list twice is a duplicate, and the proofs are bounded.
                LedgerState.LocationRecord held = state.location(p.assetId(), p.version(), p.nodeId());
                if (held != null) {
                    Hash256 list = LedgerState.shardListHash(p.shardHashes());
                    if (held.lastListHash().equals(list)) {
                        throw reject(RejectReason.ALREADY_EXISTS, "node already proved this asset version with these shards");
                    }
                    if (held.proofs() >= Limits.MAX_LOCATION_PROOFS) {
                        throw reject(RejectReason.LIMIT_EXCEEDED, "node " + p.nodeId() + " already proved this asset version "
                                + held.proofs() + " times (the limit)");
                    }
                }
            }
            case KEY_EPOCH -> {
                TxBody.KeyEpoch e = (TxBody.KeyEpoch) body;
                requireAdmin(signer);
                if (e.epoch() != state.currentEpoch() + 1) {
                    throw reject(RejectReason.STALE_VERSION, "epoch " + e.epoch() + " but the next is " + (state.currentEpoch() + 1));
                }
                try {
                    KemAlgorithm.fromId(e.kemAlgorithm());
                } catch (CryptoException ex) {
                    throw reject(RejectReason.MALFORMED, "unknown KEM algorithm " + e.kemAlgorithm());
                }
                for (TxBody.NodeShare share : e.shares()) {
                    Node n = state.node(share.nodeId());
                    if (n == null) {
                        throw reject(RejectReason.UNKNOWN_NODE, "epoch share for unknown node " + share.nodeId());
                    }
                    if (n.revoked()) {
                        throw reject(RejectReason.NODE_REVOKED, "epoch share for revoked node " + share.nodeId());
                    }
                }
            }
            case CONFIG_CHANGE -> {
                TxBody.ConfigChange c = (TxBody.ConfigChange) body;
                requireAdmin(signer);
                if (!CONFIG_KEY.matcher(c.key()).matches()) {
                    throw reject(RejectReason.MALFORMED, "config key must match " + CONFIG_KEY.pattern());
                }
            }
            case CROSS_NETWORK_ANCHOR -> {
                TxBody.CrossNetworkAnchor x = (TxBody.CrossNetworkAnchor) body;
                requireAdmin(signer);
                if (x.network().isBlank() || x.network().equals(genesis.network())) {
                    throw reject(RejectReason.MALFORMED, "anchor must name another network");
                }
                if (x.height() <= state.anchorHeight(x.network())) {
                    throw reject(RejectReason.STALE_VERSION, "anchor height " + x.height() + " is not after the last one");
                }
            }
            case READ_GRANT -> {
                TxBody.ReadGrant g = (TxBody.ReadGrant) body;
                Asset a = liveAsset(state, g.assetId());
                requirePolicy(state, g.assetId(), a, tx.signer());
                if (g.grantee().equals(tx.signer())) {
                    throw reject(RejectReason.MALFORMED, "grant to self: the signer already changes asset " + short16(g.assetId()));
                }
                if (state.account(g.grantee()) == null) {
                    throw reject(RejectReason.UNKNOWN_RECIPIENT, "grantee " + short16(g.grantee()) + " is not a registered account");
                }
                List<Hash256> grants = state.grants(g.assetId());
                if (grants.contains(g.grantee())) {
                    throw reject(RejectReason.ALREADY_EXISTS, "account " + short16(g.grantee()) + " already has a read grant on asset "
                            + short16(g.assetId()));
                }
                if (grants.size() >= Limits.MAX_GRANTS) {
                    throw reject(RejectReason.LIMIT_EXCEEDED, "asset " + short16(g.assetId()) + " already has "
                            + Limits.MAX_GRANTS + " read grants, the most one asset may hold");
                }
            }
            case ACCOUNT_RECORD -> {
                TxBody.AccountRecord r = (TxBody.AccountRecord) body;
                requireAdmin(signer);
                if (!ACCOUNT_ID.matcher(r.accountId()).matches()) {
                    throw reject(RejectReason.MALFORMED, "account id must match " + ACCOUNT_ID.pattern());
                }
                long current = state.accountRecordRevision(r.accountId());
                if (r.revision() != current + 1) {
                    throw reject(RejectReason.STALE_VERSION, "record revision " + r.revision() + " of account " + r.accountId()
                            + " but the next is " + (current + 1));
                }
            }
            case KEY_SHARE -> checkKeyShare(state, (TxBody.KeyShare) body, signer, genesis, ctx);
            case KEY_REWRAP -> {
                TxBody.KeyRewrap r = (TxBody.KeyRewrap) body;
                requireAdmin(signer);
                if (r.epoch() < 1 || r.epoch() > state.currentEpoch()) {
                    throw reject(RejectReason.STALE_VERSION, "re-wrap to key epoch " + r.epoch() + " but the ledger's epochs end at "
                            + state.currentEpoch());
                }
                Asset a = liveAsset(state, r.assetId());
                if (r.wraps().isEmpty()) {
                    throw reject(RejectReason.MALFORMED, "key re-wrap lists no versions");
                }
                for (TxBody.VersionWrap w : r.wraps()) {
                    if (w.version() < 1 || w.version() > a.version()) {
                        throw reject(RejectReason.STALE_VERSION, "asset " + short16(r.assetId()) + " has no version " + w.version());
                    }
                    try {
                        KemAlgorithm.fromId(w.kemAlgorithm());
                    } catch (CryptoException ex) {
                        throw reject(RejectReason.MALFORMED, "unknown KEM algorithm " + w.kemAlgorithm());
                    }
                }
            }
            case READ_REVOKE -> {
                TxBody.ReadRevoke r = (TxBody.ReadRevoke) body;
                Asset a = liveAsset(state, r.assetId());
                requirePolicy(state, r.assetId(), a, tx.signer());
                if (!state.grants(r.assetId()).contains(r.grantee())) {
                    throw reject(RejectReason.NOT_GRANTED, "account " + short16(r.grantee()) + " holds no read grant on asset "
                            + short16(r.assetId()));
                }
            }
        }
        return signer;
    }

    /**
     * KEY_SHARE: a member node (registered, unrevoked, its certificate valid at the block's time)
     * seals existing epochs to another registered, unrevoked node, under the certificate that node
     * is registered with, to the ML-KEM key that certificate binds; each epoch once per
     * certificate. The ledger cannot open a share: the recipient checks that what it opens is the
     * epoch's key ({@code EpochShare}), so a member sealing anything else fails there, not silently.
     */
    private static void checkKeyShare(LedgerState state, TxBody.KeyShare k, Signer signer, Genesis genesis, BlockContext ctx)
            throws LedgerException {
        if (signer.node() == null) {
            throw reject(RejectReason.NOT_AUTHORIZED, "only a member node may add key epoch shares");
        }
        if (ctx.time().isAfter(signer.node().notAfter())) {
            throw reject(RejectReason.BAD_CERTIFICATE, "node " + signer.node().nodeId() + "'s certificate expired at "
                    + signer.node().notAfter());
        }
        if (k.shares().isEmpty()) {
            throw reject(RejectReason.MALFORMED, "key share lists no epochs");
        }
        NodeIdentity cert = NodeCertificates.validate(k.recipientChain(), genesis.rootCertDer(), ctx.time());
        if (cert.nodeId().equals(signer.node().nodeId())) {
            throw reject(RejectReason.NOT_AUTHORIZED, "a node cannot add key epoch shares for itself");
        }
        Node recipient = state.node(cert.nodeId());
        if (recipient == null) {
            throw reject(RejectReason.UNKNOWN_NODE, "key share for unregistered node " + cert.nodeId());
        }
        if (recipient.revoked()) {
            throw reject(RejectReason.NODE_REVOKED, "key share for revoked node " + cert.nodeId());
        }
        byte[] serial = cert.serial().toByteArray();
        if (!java.util.Arrays.equals(recipient.serial(), serial)) {
            throw reject(RejectReason.BAD_CERTIFICATE, "key share names a certificate of node " + cert.nodeId()
                    + " other than the one it is registered with");
        }
        if (!cert.kemKeyHash().equals(Sha3.hash(k.kemPublicKey()))) {
            throw reject(RejectReason.BAD_CERTIFICATE, "node " + cert.nodeId() + "'s certificate does not bind the ML-KEM key of the share");
        }
        long previous = 0;
        for (TxBody.EpochShareOf share : k.shares()) {
            if (share.epoch() <= previous) {
                throw reject(RejectReason.MALFORMED, "key share epochs must be ascending and distinct");
            }
            previous = share.epoch();
            if (share.epoch() > state.currentEpoch()) {
                throw reject(RejectReason.STALE_VERSION, "key share of epoch " + share.epoch() + " but the ledger's epochs end at "
                        + state.currentEpoch());
            }
            if (state.hasEpochShare(share.epoch(), cert.nodeId(), serial)) {
                throw reject(RejectReason.ALREADY_EXISTS, "node " + cert.nodeId() + " already has a share of key epoch " + share.epoch());
            }
        }
    }

    private static void checkGenesis(Transaction tx, TxBody.Genesis g, Genesis existing, BlockContext ctx) throws LedgerException {
        if (existing != null || ctx.height() != 0) {
            throw reject(RejectReason.ALREADY_EXISTS, "genesis is only valid as block 0 of an empty ledger");
        }
        if (tx.nonce() != 1) {
            throw reject(RejectReason.NONCE_GAP, "genesis must use nonce 1");
        }
        if (g.network().isBlank() || g.adminSpkis().isEmpty()) {
            throw reject(RejectReason.MALFORMED, "genesis needs a network name and at least one admin");
        }
        boolean signerIsAdmin = false;
        for (byte[] spki : g.adminSpkis()) {
            parseKey(spki);
            signerIsAdmin |= Sha3.hash(spki).equals(tx.signer());
        }
        if (!signerIsAdmin) {
            throw reject(RejectReason.NOT_AUTHORIZED, "genesis must be signed by one of its admins");
        }
        NodeCertificates.parse(g.rootCertDer());
    }

    private static Signer signer(LedgerState state, Transaction tx) throws LedgerException {
        Account account = state.account(tx.signer());
        if (account != null) {
            return new Signer(tx.signer(), account, null);
        }
        Node node = state.nodeBySigner(tx.signer());
        if (node == null) {
            throw reject(RejectReason.UNKNOWN_SIGNER, "signer " + short16(tx.signer()) + " is not a registered account or node");
        }
        if (node.revoked()) {
            throw reject(RejectReason.NODE_REVOKED, "node " + node.nodeId() + " is revoked");
        }
        return new Signer(tx.signer(), null, node);
    }

    /** The bucket, when {@code signer} owns it or is an admin; unknown buckets are UNKNOWN_NAME. */
    private static io.stoq.ledger.state.StateRecords.Bucket bucketFor(LedgerState state, String name, Signer signer)
            throws LedgerException {
        io.stoq.ledger.state.StateRecords.Bucket b = state.bucket(name);
        if (b == null) {
            throw reject(RejectReason.UNKNOWN_NAME, "no bucket " + name);
        }
        if (!b.owner().equals(signer.id()) && (signer.account() == null || signer.account().role() != Role.ADMIN)) {
            throw reject(RejectReason.NOT_AUTHORIZED, "bucket " + name + " belongs to another account");
        }
        return b;
    }

    private static Asset liveAsset(LedgerState state, Hash256 assetId) throws LedgerException {
        Asset a = state.asset(assetId);
        if (a == null) {
            throw reject(RejectReason.UNKNOWN_ASSET, "asset " + short16(assetId) + " does not exist");
        }
        if (a.deleted()) {
            throw reject(RejectReason.ASSET_DELETED, "asset " + short16(assetId) + " is deleted");
        }
        return a;
    }

    private static void requireAdmin(Signer signer) throws TxRejectedException {
        if (signer.account() == null || signer.account().role() != Role.ADMIN) {
            throw reject(RejectReason.NOT_AUTHORIZED, "only an admin may make this tx");
        }
    }

    private static void requirePolicy(LedgerState state, Hash256 assetId, Asset a, Hash256 signer) throws LedgerException {
        long held = state.balance(assetId, signer);
        boolean allowed = switch (a.policy()) {
            case CREATOR_ONLY -> a.creator().equals(signer);
            case ANY_HOLDER -> held > 0;
            case MAJORITY_HOLDER -> held > a.supply() - held;
        };
        if (!allowed) {
            throw reject(RejectReason.NOT_AUTHORIZED, "asset policy " + a.policy() + " does not let this signer change it");
        }
    }

    private static VerifyingKey parseKey(byte[] spki) throws TxRejectedException {
        try {
            return VerifyingKey.fromSpki(spki);
        } catch (CryptoException e) {
            throw reject(RejectReason.MALFORMED, "not a public key of a supported signature algorithm");
        }
    }

    private static TxRejectedException reject(RejectReason reason, String message) {
        return new TxRejectedException(reason, message);
    }

    static String short16(Hash256 h) {
        return h.toHex().substring(0, 16);
    }
}
