package io.stoq.node.names;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.ObjectNames;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeException;
import io.stoq.node.NodeProblems;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.ledger.LedgerWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The S3 name space as ledger state: buckets (BUCKET_CREATE / BUCKET_DELETE) and key bindings
 * (NAME_BIND), so names survive restarts and every node of a Raft network reads the same ones.
 * Reads come from the applied state; a listing page is one ordered range read of the state's
 * {@code 0x12 H(bucket) key} entries ({@code LedgerStore.scanState}), never a scan of assets.
 *
 * <p>Access is decided here before a tx is made (owner or admin; else FORBIDDEN), and the tx is
 * signed with the bucket owner's custodial key, so an admin acting on a bucket signs as its owner
 * (as asset writes do); the ledger checks the same rule again.
 *
 * <p>Thread-safe: the ledger writer serialises changes; reads see the applied state.
 */
public final class LedgerObjectNames implements ObjectNames {
    private final LedgerWriter ledger;
    private final CustodialKeys keys;

    public LedgerObjectNames(LedgerWriter ledger) {
        this.ledger = ledger;
        this.keys = ledger.keys();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private SigningKey key(String account) throws ApiException {
        try {
            return keys.keyOf(account);
        } catch (NodeException e) {
            throw new ApiException(ApiError.INTERNAL, "no ledger key for account " + account, e);
        }
    }

    private void commit(SigningKey signer, TxBody tx) throws ApiException {
        try {
            ledger.commit(signer, List.of(), tx);
        } catch (NodeException | LedgerException e) {
            throw NodeProblems.of(e);
        }
    }

    private String ownerOf(StateRecords.Bucket b) {
        return keys.accountOf(b.owner()).orElse(b.owner().toHex());
    }

    private Bucket view(StateRecords.Bucket b) {
        return new Bucket(b.name(), ownerOf(b), b.objects(), b.created());
    }

    private StateRecords.Bucket usable(Caller caller, String name) throws ApiException {
        StateRecords.Bucket b;
        try {
            b = ledger.reader().state().bucket(name);
        } catch (LedgerException e) {
            throw NodeProblems.of(e);
        }
        if (b == null) {
            throw new ApiException(ApiError.NOT_FOUND, "no bucket " + name);
        }
        if (!caller.isAdmin() && !ownerOf(b).equals(caller.accountId())) {
            throw new ApiException(ApiError.FORBIDDEN, "bucket " + name + " belongs to another account");
        }
        return b;
    }

    @Override
    public Bucket createBucket(Caller caller, String bucket) throws ApiException {
        if (!ObjectNames.validBucketName(bucket)) {
            throw new ApiException(ApiError.BAD_REQUEST, "bucket name '" + bucket + "' is not 3-63 lower-case letters, digits, dots or hyphens");
        }
        try {
            if (ledger.reader().state().bucket(bucket) != null) {
                throw new ApiException(ApiError.CONFLICT, "bucket " + bucket + " exists");
            }
        } catch (LedgerException e) {
            throw NodeProblems.of(e);
        }
        commit(key(caller.accountId()), new TxBody.BucketCreate(bucket));
        return bucket(caller, bucket);
    }

    @Override
    public Bucket bucket(Caller caller, String bucket) throws ApiException {
        return view(usable(caller, bucket));
    }

    @Override
    public List<Bucket> buckets(Caller caller) throws ApiException {
        List<Bucket> out = new ArrayList<>();
        byte[] prefix = LedgerState.bucketsPrefix();
        try {
            ledger.reader().store().scanState(prefix, prefix, (k, v) -> {
                StateRecords.Bucket b = LedgerState.decodeBucket(v);
                String owner = ownerOf(b);
                if (caller.isAdmin() || owner.equals(caller.accountId())) {
                    out.add(new Bucket(b.name(), owner, b.objects(), b.created()));
                }
                return true;
            });
        } catch (LedgerException e) {
            throw NodeProblems.of(e);
        }
        out.sort(Comparator.comparing(Bucket::name));
        return out;
    }

    @Override
    public void deleteBucket(Caller caller, String bucket) throws ApiException {
        StateRecords.Bucket b = usable(caller, bucket);
        if (b.objects() > 0) {
            throw new ApiException(ApiError.CONFLICT, "bucket " + bucket + " still holds " + b.objects() + " objects");
        }
        commit(key(ownerOf(b)), new TxBody.BucketDelete(bucket));
    }

    @Override
    public void bind(Caller caller, String bucket, String key, String assetId, long version, byte[] attributes) throws ApiException {
        StateRecords.Bucket b = usable(caller, bucket);
        Hash256 asset;
        try {
            asset = Hash256.ofHex(assetId);
        } catch (RuntimeException e) {
            throw new ApiException(ApiError.NOT_FOUND, "no asset " + assetId);
        }
        commit(key(ownerOf(b)), new TxBody.NameBind(bucket, utf8(key), asset, version, attributes));
    }

    @Override
    public void unbind(Caller caller, String bucket, String key) throws ApiException {
        StateRecords.Bucket b = usable(caller, bucket);
        commit(key(ownerOf(b)), new TxBody.NameBind(bucket, utf8(key), TxBody.NameBind.UNBIND, 0, new byte[0]));
    }

    @Override
    public Optional<ObjectName> lookup(Caller caller, String bucket, String key) throws ApiException {
        usable(caller, bucket);
        try {
            StateRecords.ObjectName n = ledger.reader().state().objectName(bucket, utf8(key));
            return n == null ? Optional.empty() : Optional.of(new ObjectName(key, n.assetId().toHex(), n.version(), n.attributes()));
        } catch (LedgerException e) {
            throw NodeProblems.of(e);
        }
    }

    @Override
    public NamePage list(Caller caller, String bucket, String prefix, String after, int limit) throws ApiException {
        usable(caller, bucket);
        byte[] base = LedgerState.namesPrefix(bucket);
        byte[] scanPrefix = concat(base, utf8(prefix));
        byte[] afterKey = concat(base, utf8(after));
        boolean fromAfter = !after.isEmpty() && Arrays.compareUnsigned(afterKey, scanPrefix) >= 0;
        byte[] from = fromAfter ? afterKey : scanPrefix;
        List<ObjectName> out = new ArrayList<>();
        boolean[] more = {false};
        try {
            ledger.reader().store().scanState(scanPrefix, from, (k, v) -> {
                if (fromAfter && Arrays.equals(k, afterKey)) {
                    return true;
                }
                if (out.size() == limit) {
                    more[0] = true;
                    return false;
                }
                StateRecords.ObjectName n = LedgerState.decodeObjectName(v);
                out.add(new ObjectName(new String(k, base.length, k.length - base.length, StandardCharsets.UTF_8), n.assetId().toHex(),
                        n.version(), n.attributes()));
                return true;
            });
        } catch (LedgerException e) {
            throw NodeProblems.of(e);
        }
        return new NamePage(out, more[0]);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
