package io.stoq.ledger.state;

import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.ChainFormat;
import io.stoq.ledger.state.StateRecords.Account;
import io.stoq.ledger.state.StateRecords.Asset;
import io.stoq.ledger.state.StateRecords.Genesis;
import io.stoq.ledger.state.StateRecords.Node;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.BlockContext;
import io.stoq.ledger.validate.NodeCertificates;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.ledger.validate.TxValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The deterministic state machine: applies an ordered batch of txs to a state view and returns the
 * accepted txs, the rejected ones with their reasons, the buffered state writes and the new state
 * root. No clocks, randomness or I/O besides reading {@code base}: the same base, context and
 * batch give the same outcome on every node (the consensus layer relies on this).
 *
 * <pre>
 *   for each tx, in order:
 *     tx overlay over block overlay --check--> rejected? drop overlay, record reason
 *                                  \--effects--> merge into block overlay
 *   state hash += (old -> new) for every key the block overlay wrote
 * </pre>
 *
 * Stateless and thread-safe; each call owns its overlays.
 */
public final class StateMachine {
    private StateMachine() {}

    /** A tx validation refused, and why. */
    public record Rejection(Transaction tx, RejectReason reason, String message) {}

    /** The result of applying one batch. {@code writes} are relative to the base view. */
    public record Outcome(List<Transaction> accepted, List<Rejection> rejected, StateOverlay writes, StateHash stateHash) {
        public Hash256 stateRoot() {
            return stateHash.root();
        }
    }

    /**
     * Applies {@code txs} in order over {@code base}, whose set hash is {@code before} (not modified).
     * With {@code parallel} signatures are checked on the common pool first and the state-hash
     * expansions run there afterwards (pure functions and a commutative sum, so the outcome is
     * bit-identical); the txs are still validated and applied in order on this thread.
     */
    public static Outcome apply(StateView base, StateHash before, BlockContext ctx, List<Transaction> txs, boolean parallelSignatures)
            throws LedgerException {
        return apply(base, before, ctx, txs, checkSignatures(networkOf(base, txs), before.format(), txs, parallelSignatures),
                parallelSignatures);
    }

    /**
     * The network the txs of a batch over {@code base} are signed for: the one its genesis founded,
     * or, before genesis, the one a leading GENESIS tx founds; null when there is neither (every
     * signature then fails).
     */
    public static NetworkId networkOf(StateView base, List<Transaction> txs) throws LedgerException {
        Genesis genesis = new LedgerState(new StateOverlay(base)).genesis();
        if (genesis != null) {
            return NetworkId.of(genesis.network(), genesis.rootCertDer());
        }
        return !txs.isEmpty() && txs.get(0).body() instanceof TxBody.Genesis g ? NetworkId.of(g) : null;
    }

    /**
     * The stateless part of validation: each tx's signature on {@code network} (and, in a chain of
     * {@code format} V2, its merkle leaf hash, cached on the tx). Pure, so a pipeline may run it for the next batch while the
     * current one applies.
     */
    public static boolean[] checkSignatures(NetworkId network, ChainFormat format, List<Transaction> txs, boolean parallel) {
        return SignatureCheck.start(network, format, txs, parallel).await();
    }

    /** As {@link #apply(StateView, StateHash, BlockContext, List, boolean)} with signatures already checked. */
    public static Outcome apply(StateView base, StateHash before, BlockContext ctx, List<Transaction> txs, boolean[] signatureOk,
            boolean parallel) throws LedgerException {
        if (signatureOk.length != txs.size()) {
            throw new IllegalArgumentException("one signature result per tx");
        }
        boolean parallelSignatures = parallel;
        StateOverlay block = StateOverlay.caching(base);
        List<Transaction> accepted = new ArrayList<>(txs.size());
        List<Rejection> rejected = new ArrayList<>();
        for (int i = 0; i < txs.size(); i++) {
            Transaction tx = txs.get(i);
            Rejection r = applyOne(block, tx, signatureOk[i], ctx);
            if (r == null) {
                accepted.add(tx);
            } else {
                rejected.add(r);
            }
        }
        StateHash after = before.copy();
        List<StateHash.Change> changes = new ArrayList<>(block.writes().size());
        for (Map.Entry<byte[], byte[]> w : block.writes().entrySet()) {
            changes.add(new StateHash.Change(w.getKey(), block.baseValue(w.getKey()), w.getValue()));
        }
        after.updateAll(changes, parallelSignatures);
        return new Outcome(List.copyOf(accepted), List.copyOf(rejected), block, after);
    }

    /**
     * Validates {@code tx} over {@code block} and, if valid, merges its writes into it; returns why
     * it was refused, or null. A method of its own, not the body of {@link #apply}'s loop, so that
     * the JIT compiles it after a few thousand txs: as a loop body it was compiled only when the
     * loop's back-edge count, one per tx across all blocks, crossed C2's threshold (after ~40,000
     * txs), and that one compile of {@code apply} with everything inlined took 0.9 s of a core.
     */
    private static Rejection applyOne(StateOverlay block, Transaction tx, boolean signatureOk, BlockContext ctx)
            throws LedgerException {
        StateOverlay txWrites = new StateOverlay(block);
        LedgerState state = new LedgerState(txWrites);
        try {
            if (!signatureOk) {
                throw new TxRejectedException(RejectReason.BAD_SIGNATURE, "signature does not verify under the signer key for this network");
            }
            TxValidator.check(state, tx, ctx, true);
            effects(state, tx, ctx);
            txWrites.mergeInto(block);
            return null;
        } catch (TxRejectedException e) {
            return new Rejection(tx, e.reason(), e.getMessage());
        }
    }

    /**
     * Whether a transfer of {@code amount} tokens from a holder of {@code fromBefore} to a holder of
     * {@code toBefore} changes who may change the asset under its policy, i.e. its owner. Only the
     * two parties' balances move, so only their standing can change: under ANY_HOLDER a new holder
     * joins or the sender leaves; under MAJORITY_HOLDER one of them gains or loses the majority;
     * under CREATOR_ONLY the creator always decides. Read grants are cleared when this is true.
     */
    static boolean ownershipChanges(Asset a, long fromBefore, long toBefore, long amount) {
        return switch (a.policy()) {
            case CREATOR_ONLY -> false;
            case ANY_HOLDER -> toBefore == 0 || fromBefore == amount;
            case MAJORITY_HOLDER -> majority(a, fromBefore) != majority(a, fromBefore - amount)
                    || majority(a, toBefore) != majority(a, toBefore + amount);
        };
    }

    private static boolean majority(Asset a, long held) {
        return held > a.supply() - held;
    }

    private static void effects(LedgerState state, Transaction tx, BlockContext ctx) throws LedgerException {
        Hash256 signer = tx.signer();
        TxBody body = tx.body();
        switch (tx.type()) {
            case GENESIS -> {
                TxBody.Genesis g = (TxBody.Genesis) body;
                state.putGenesis(new Genesis(g.network(), g.rootCertDer()));
                for (byte[] spki : g.adminSpkis()) {
                    state.putAccount(new Account(Role.ADMIN, spki));
                }
            }
            case ACCOUNT_REGISTER -> {
                TxBody.AccountRegister r = (TxBody.AccountRegister) body;
                state.putAccount(new Account(r.role(), r.spki()));
            }
            case ASSET_CREATE -> {
                TxBody.AssetCreate c = (TxBody.AssetCreate) body;
                state.putAsset(c.assetId(), new Asset(c.name(), 1, c.manifestRoot(), signer, c.supply(), c.policy(), false));
                state.putVersion(c.assetId(), 1, c.manifestRoot(), c.metadata());
                state.putBalance(c.assetId(), signer, c.supply());
            }
            case ASSET_UPDATE -> {
                TxBody.AssetUpdate u = (TxBody.AssetUpdate) body;
                state.putAsset(u.assetId(), state.asset(u.assetId()).withVersion(u.version(), u.manifestRoot()));
                state.putVersion(u.assetId(), u.version(), u.manifestRoot(), u.metadata());
            }
            case TOKEN_TRANSFER -> {
                TxBody.TokenTransfer t = (TxBody.TokenTransfer) body;
                long fromBefore = state.balance(t.assetId(), signer);
                long toBefore = state.balance(t.assetId(), t.to());
                state.putBalance(t.assetId(), signer, fromBefore - t.amount());
                state.putBalance(t.assetId(), t.to(), Math.addExact(toBefore, t.amount()));
                if (ownershipChanges(state.asset(t.assetId()), fromBefore, toBefore, t.amount())
                        && !state.grants(t.assetId()).isEmpty()) {
                    state.putGrants(t.assetId(), List.of()); // a new owner decides who reads
                }
            }
            case ASSET_DELETE -> {
                TxBody.AssetDelete d = (TxBody.AssetDelete) body;
                state.putAsset(d.assetId(), state.asset(d.assetId()).tombstoned());
            }
            case ASSET_VERSION_DELETE -> {
                TxBody.AssetVersionDelete d = (TxBody.AssetVersionDelete) body;
                state.putVersionDeleted(d.assetId(), d.version());
            }
            case NODE_REGISTER -> {
                TxBody.NodeRegister n = (TxBody.NodeRegister) body;
                NodeIdentity cert = NodeCertificates.validate(n.chainDer(), state.genesis().rootCertDer(), ctx.time());
                state.putNode(new Node(cert.nodeId(), cert.falconKey().spki(), cert.serial().toByteArray(), cert.notAfter(), false,
                        tx.id(), cert.roles()));
            }
            case NODE_REVOKE -> {
                TxBody.NodeRevoke r = (TxBody.NodeRevoke) body;
                state.putNode(state.node(r.nodeId()).revoke());
            }
            case LOCATION_PROOF -> {
                TxBody.LocationProof p = (TxBody.LocationProof) body;
                state.putLocation(p.assetId(), p.version(), p.nodeId(), LedgerState.shardListHash(p.shardHashes()),
                        p.shardHashes().size());
            }
            case KEY_EPOCH -> {
                TxBody.KeyEpoch e = (TxBody.KeyEpoch) body;
                CanonicalWriter w = new CanonicalWriter();
                e.encode(w);
                state.putEpoch(e.epoch(), Sha3.hash(w.toBytes()));
            }
            case CONFIG_CHANGE -> {
                TxBody.ConfigChange c = (TxBody.ConfigChange) body;
                state.putConfig(c.key(), c.value());
            }
            case CROSS_NETWORK_ANCHOR -> {
                TxBody.CrossNetworkAnchor x = (TxBody.CrossNetworkAnchor) body;
                state.putAnchor(x.network(), x.height(), x.blockHash(), x.stateRoot());
            }
            case READ_GRANT -> {
                TxBody.ReadGrant g = (TxBody.ReadGrant) body;
                List<Hash256> grantees = new ArrayList<>(state.grants(g.assetId()));
                grantees.add(g.grantee());
                state.putGrants(g.assetId(), grantees);
            }
            case ACCOUNT_RECORD -> {
                TxBody.AccountRecord r = (TxBody.AccountRecord) body;
                state.putAccountRecord(r.accountId(), r.revision(), Sha3.hash(r.record()));
            }
            case KEY_SHARE -> {
                TxBody.KeyShare k = (TxBody.KeyShare) body;
                NodeIdentity cert = NodeCertificates.validate(k.recipientChain(), state.genesis().rootCertDer(), ctx.time());
                for (TxBody.EpochShareOf share : k.shares()) {
                    state.putEpochShare(share.epoch(), cert.nodeId(), cert.serial().toByteArray(), Sha3.hash(share.sealed()));
                }
            }
            case KEY_REWRAP -> {
                // no state: the wraps are found through the KEY_REWRAPS index (the tx is the record)
            }
            case BUCKET_CREATE -> {
                TxBody.BucketCreate b = (TxBody.BucketCreate) body;
                state.putBucket(b.bucket(), new StateRecords.Bucket(b.bucket(), signer, 0, ctx.time()));
            }
            case BUCKET_DELETE -> {
                TxBody.BucketDelete b = (TxBody.BucketDelete) body;
                state.putBucket(b.bucket(), null);
            }
            case NAME_BIND -> {
                TxBody.NameBind n = (TxBody.NameBind) body;
                StateRecords.Bucket b = state.bucket(n.bucket());
                boolean existed = state.objectName(n.bucket(), n.key()) != null;
                if (n.assetId().equals(TxBody.NameBind.UNBIND)) {
                    state.putObjectName(n.bucket(), n.key(), null);
                    state.putBucket(n.bucket(), b.withObjects(b.objects() - 1)); // the validator checked it was bound
                } else {
                    state.putObjectName(n.bucket(), n.key(), new StateRecords.ObjectName(n.assetId(), n.version(), n.attributes()));
                    if (!existed) {
                        state.putBucket(n.bucket(), b.withObjects(b.objects() + 1));
                    }
                }
            }
            case READ_REVOKE -> {
                TxBody.ReadRevoke r = (TxBody.ReadRevoke) body;
                List<Hash256> grantees = new ArrayList<>(state.grants(r.assetId()));
                grantees.remove(r.grantee());
                state.putGrants(r.assetId(), grantees);
            }
        }
        state.putNonce(signer, tx.nonce());
    }
}
