package io.stoq.node.store;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.ledger.store.RocksDurability;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.rocks.RocksStore;
import io.stoq.shard.manifest.BatchSeal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The seals of manifests sealed after their ledger commit ({@code DATA/shards/seals}, RocksDB):
 * the manifest bodies stay in the shard store under the hash their tx names; this store keeps,
 * beside them, what makes each a sealed schema-2 manifest ({@link BatchSeal}). A batch's ~17 KB
 * SLH-DSA signature is stored once, not once per manifest (at 1,000 uploads/s and one batch a
 * second, per-manifest copies would write 17 MB/s):
 *
 * <pre>
 *   'S' | body hash (32)            -> u8 algorithm | signer key id (32) | batch root (32)
 *                                      | u32 leaf index | u32 batch size | u8 path length | path (32 each)
 *   'B' | key id (32) | root (32)   -> signature
 * </pre>
 * A batch's records go in one synced {@link WriteBatch}: after a crash either every seal of the
 * batch is there or none is (the sealer then seals those bodies again at start). Nothing here is
 * trusted: a reader joins body and seal and verifies the signature ({@code ManifestVerifier}).
 *
 * <p>Thread-safe (RocksDB is). Records of versions no longer stored are not removed yet: a few
 * hundred bytes per version and one signature per batch (see docs/shard.md).
 */
public final class SealStore implements AutoCloseable {
    private static final byte SEAL = 'S';
    private static final byte BATCH = 'B';

    private final RocksStore store;
    private final RocksDB db;
    private final Path dir;
    private final WriteOptions synced;

    private SealStore(RocksStore store, boolean sync) {
        this.store = store;
        this.db = store.db();
        this.dir = store.dir();
        this.synced = new WriteOptions().setSync(sync);
    }

    /** Opens (creating when absent) the store in {@code dir}; damage refuses the open as for the small shard store. */
    public static SealStore open(Path dir, boolean sync) throws NodeException {
        DBOptions dbOptions = RocksDurability.configure(new DBOptions().setCreateIfMissing(true).setMaxOpenFiles(64)
                .setKeepLogFileNum(4));
        ColumnFamilyOptions cfOptions = RocksDurability.configure(new ColumnFamilyOptions().setWriteBufferSize(8L << 20));
        return new SealStore(RocksStore.open(dir, dbOptions, cfOptions, "the manifest seal store",
                "manifest seals written after it"), sync);
    }

    /** One manifest's seal: the body it seals (by the hash the ledger names) and the seal. */
    public record Sealed(Hash256 body, BatchSeal seal) {}

    /** Stores the seals of one or more batches in one synced write; durable when this returns. */
    public void put(List<Sealed> seals) throws NodeException {
        Set<ByteBuffer> batches = new HashSet<>();
        try (WriteBatch batch = new WriteBatch()) {
            for (Sealed s : seals) {
                BatchSeal seal = s.seal();
                byte[] batchKey = batchKey(seal.signerKeyId(), seal.batchRoot());
                if (batches.add(ByteBuffer.wrap(batchKey))) { // a batch's signature once
                    batch.put(batchKey, seal.signature());
                }
                batch.put(sealKey(s.body()), encode(seal));
            }
            db.write(synced, batch);
        } catch (RocksDBException e) {
            throw store.failure("cannot store " + seals.size() + " manifest seals", e);
        }
    }

    /** The seal of the body named {@code body}, or empty while it is not sealed. */
    public Optional<BatchSeal> seal(Hash256 body) throws NodeException {
        try {
            byte[] record = db.get(sealKey(body));
            if (record == null) {
                return Optional.empty();
            }
            ByteBuffer in = ByteBuffer.wrap(record);
            SignatureAlgorithm algorithm = SignatureAlgorithm.fromCode(in.get() & 0xff);
            Hash256 keyId = hash(in);
            Hash256 root = hash(in);
            int index = in.getInt();
            int size = in.getInt();
            int pathLength = in.get() & 0xff;
            if (pathLength > 16 || in.remaining() != pathLength * Hash256.LENGTH) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the seal record of manifest " + body.toHex() + " in " + dir
                        + " has a bad length");
            }
            List<Hash256> path = new ArrayList<>(pathLength);
            for (int i = 0; i < pathLength; i++) {
                path.add(hash(in));
            }
            byte[] signature = db.get(batchKey(keyId, root));
            if (signature == null) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the batch signature of manifest " + body.toHex() + " is missing from "
                        + dir);
            }
            return Optional.of(new BatchSeal(algorithm, keyId, new InclusionProof(index, size, path), root, signature));
        } catch (RocksDBException e) {
            throw store.failure("cannot read the seal of manifest " + body.toHex(), e);
        } catch (CryptoException | RuntimeException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the seal record of manifest " + body.toHex() + " in " + dir
                    + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static Hash256 hash(ByteBuffer in) {
        byte[] b = new byte[Hash256.LENGTH];
        in.get(b);
        return Hash256.of(b);
    }

    private static byte[] encode(BatchSeal seal) {
        InclusionProof proof = seal.proof();
        ByteBuffer out = ByteBuffer.allocate(1 + 32 + 32 + 4 + 4 + 1 + proof.path().size() * Hash256.LENGTH);
        out.put((byte) seal.algorithm().code()).put(seal.signerKeyId().toBytes()).put(seal.batchRoot().toBytes())
                .putInt(proof.leafIndex()).putInt(proof.treeSize()).put((byte) proof.path().size());
        proof.path().forEach(h -> out.put(h.toBytes()));
        return out.array();
    }

    private static byte[] sealKey(Hash256 body) {
        return ByteBuffer.allocate(1 + Hash256.LENGTH).put(SEAL).put(body.toBytes()).array();
    }

    private static byte[] batchKey(Hash256 keyId, Hash256 root) {
        return ByteBuffer.allocate(1 + 2 * Hash256.LENGTH).put(BATCH).put(keyId.toBytes()).put(root.toBytes()).array();
    }

    @Override
    public void close() {
        synced.close();
        store.close();
    }
}
