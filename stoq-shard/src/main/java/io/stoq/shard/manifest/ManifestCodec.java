package io.stoq.shard.manifest;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.kem.KeyWrapper;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.shard.AssetId;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.BoundaryRule;
import io.stoq.shard.analyze.ContentFormat;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.codec.Compression;
import io.stoq.shard.codec.ShardEntry;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The canonical binary form of a manifest. Big-endian, fixed field order, every variable part
 * length-prefixed, no optional fields and no trailing bytes, so one manifest has exactly one
 * encoding and the signature covers exactly the bytes on disk. Writes schema 2, or 3 for an
 * erasure-coded version (schema 2 plus its {@link PieceLayouts}, sealed the same way); reads 3, 2
 * and 1.
 *
 * <pre>
 *   "STQM" | u16 schema (2; 3 with piece layouts; 1 for manifests written before batch signing)
 *   asset id (16) | u64 version | u8 format | u64 plain size
 *   u32 min | u32 avg | u32 max | u8 normalization | u8 snap rule | u32 snap window
 *   u8 suite (1 or 2) | u8 zstd level
 *   u32 shard count | per shard: u32 plain length | u32 stored length | u8 compression | hash (32)
 *                                | suite 2 only: chunk id (32)
 *   merkle root (32)
 *   u8 key count | per key: recipient (32) | u8 kem | u16 len | kem ciphertext | u16 len | wrapped key
 *   schema 1 only: u8 signer algorithm | u16 len | signer SPKI
 *   schema 3 only: u8 k | u8 m | per shard: u32 piece size | (k+m) x piece hash (32)
 *   ---------------------------------- end of the body
 *   schema 2: the batch seal ({@link BatchSeal}: key id, inclusion proof, batch root, signature)
 *   schema 1: u32 len | signature over the body
 * </pre>
 * Parsing names the field that is wrong ("shards[12].compression: unknown code 7"), so a flipped
 * bit that breaks the structure is reported where it is; one that keeps the structure is caught by
 * the signature (schema 1) or the inclusion proof and batch signature (schema 2).
 */
public final class ManifestCodec {
    static final byte[] MAGIC = "STQM".getBytes(StandardCharsets.US_ASCII);
    /** The schema this build writes: batch-signed. */
    public static final int SCHEMA_VERSION = 2;
    /** Schema 2 plus the piece layouts of an erasure-coded version ({@link PieceLayouts}); batch-sealed as schema 2. */
    public static final int SCHEMA_PIECES = 3;
    /** The schema of manifests signed one by one (read only). */
    public static final int SCHEMA_SINGLE = 1;
    /** The largest shard the chunker produces (FastCDC max), so the largest length a manifest may list. */
    static final int MAX_SHARD = ChunkParams.MAX_UPPER;
    static final int SHARD_RECORD = 4 + 4 + 1 + Hash256.LENGTH;

    private ManifestCodec() {}

    /** The body a batch signature covers (through its leaf): schema 2, everything but the seal. */
    public static byte[] encodeBody(AssetManifest m) {
        return body(m, m.pieces() == null ? SCHEMA_VERSION : SCHEMA_PIECES, null);
    }

    /**
     * A schema-1 body, which names its signer: only for producing manifests as older versions
     * did (tests of the read path). Nothing in stoq writes schema 1 any more.
     */
    static byte[] encodeSingleBody(AssetManifest m, SignatureAlgorithm signer, byte[] signerSpki) {
        return body(m, SCHEMA_SINGLE, new SingleSignature(signer, signerSpki, new byte[0]));
    }

    private static byte[] body(AssetManifest m, int schema, SingleSignature single) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + m.shards().size() * SHARD_RECORD);
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeShort(schema);
            out.write(m.assetId().toBytes());
            out.writeLong(m.version());
            out.writeByte(m.format().code());
            out.writeLong(m.plainSize());
            ChunkingInfo c = m.chunking();
            out.writeInt(c.params().min());
            out.writeInt(c.params().avg());
            out.writeInt(c.params().max());
            out.writeByte(c.params().normalization());
            out.writeByte(c.snapRule().code());
            out.writeInt(c.snapWindow());
            if (m.suite() != AssetManifest.SUITE_V1 && schema == SCHEMA_SINGLE) {
                throw new IllegalArgumentException("schema 1 manifests have suite 1 only");
            }
            out.writeByte(m.suite());
            out.writeByte(m.zstdLevel());
            out.writeInt(m.shards().size());
            for (ShardEntry e : m.shards()) {
                out.writeInt(e.plainLength());
                out.writeInt(e.storedLength());
                out.writeByte(e.compression().code());
                out.write(e.hash().toBytes());
                if (m.suite() == AssetManifest.SUITE_V2) {
                    out.write(e.chunkId().toBytes());
                }
            }
            out.write(m.merkleRoot().toBytes());
            out.writeByte(m.keys().size());
            for (WrappedAssetKey k : m.keys()) {
                out.write(k.recipient().toBytes());
                out.writeByte(k.wrapped().algorithm().code());
                writeBlob16(out, k.wrapped().kemCiphertext());
                writeBlob16(out, k.wrapped().wrappedKey());
            }
            if (single != null) {
                out.writeByte(single.algorithm().code());
                writeBlob16(out, single.signerSpki());
            }
            if (schema == SCHEMA_PIECES) {
                PieceLayouts p = m.pieces();
                out.writeByte(p.k());
                out.writeByte(p.m());
                for (PieceLayouts.Shard shard : p.shards()) {
                    out.writeInt(shard.pieceSize());
                    for (Hash256 h : shard.pieceHashes()) {
                        out.write(h.toBytes());
                    }
                }
            } else if (m.pieces() != null) {
                throw new IllegalArgumentException("piece layouts need schema " + SCHEMA_PIECES);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen writing to memory
        }
    }

    /** A body (from {@link #encodeBody} or {@link #encodeSingleBody}) followed by its signature. */
    static byte[] encode(byte[] body, ManifestSignature signature) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + 128 + signature.signature().length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(body);
            if (signature instanceof BatchSeal seal) {
                seal.writeTo(out);
            } else {
                byte[] sig = signature.signature();
                out.writeInt(sig.length);
                out.write(sig);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a signed manifest of either schema without verifying it (see {@link ManifestVerifier}). */
    public static SignedManifest decode(byte[] encoded) throws ShardException {
        FieldReader r = new FieldReader(encoded);
        byte[] magic = r.bytes("magic", MAGIC.length);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw malformed("not a stoq manifest (bad magic)");
        }
        int schema = r.u16("schema");
        if (schema != SCHEMA_VERSION && schema != SCHEMA_SINGLE && schema != SCHEMA_PIECES) {
            throw malformed("unknown manifest schema version " + schema + " (this build reads " + SCHEMA_SINGLE + " to "
                    + SCHEMA_PIECES + ")");
        }
        AssetManifest manifest = readManifest(r, schema);
        ManifestSignature signature;
        int bodyEnd;
        if (schema == SCHEMA_SINGLE) {
            SignatureAlgorithm signer = algorithm(r, "signer");
            byte[] spki = r.blob16("signerSpki");
            bodyEnd = r.position();
            signature = new SingleSignature(signer, spki, trailingSignature(r));
        } else {
            bodyEnd = r.position();
            signature = readSeal(r);
        }
        return new SignedManifest(manifest, signature, java.util.Arrays.copyOf(encoded, bodyEnd), encoded.clone());
    }

    /**
     * Parses a schema-2 body alone, as a node stores it between the ledger commit and the seal
     * ({@link ManifestBody}): the body must end the bytes exactly. Nothing is verified here.
     */
    static AssetManifest decodeBody(byte[] body) throws ShardException {
        FieldReader r = new FieldReader(body);
        byte[] magic = r.bytes("magic", MAGIC.length);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw malformed("not a stoq manifest body (bad magic)");
        }
        int schema = r.u16("schema");
        if (schema != SCHEMA_VERSION && schema != SCHEMA_PIECES) {
            throw malformed("a manifest body without its seal is schema " + SCHEMA_VERSION + " or " + SCHEMA_PIECES + ", not " + schema);
        }
        AssetManifest manifest = readManifest(r, schema);
        if (r.remaining() != 0) {
            throw r.bad("seal", r.remaining() + " bytes after the body; an unsealed body ends with its keys");
        }
        return manifest;
    }

    private static AssetManifest readManifest(FieldReader r, int schema) throws ShardException {
        AssetId assetId = AssetId.of(r.bytes("assetId", AssetId.LENGTH));
        long version = r.u64("version");
        int formatCode = r.u8("format");
        ContentFormat format = ContentFormat.fromCode(formatCode);
        if (format == null) {
            throw r.bad("format", "unknown code " + formatCode);
        }
        long plainSize = r.u64("plainSize");
        int min = r.u32("chunking.min");
        int avg = r.u32("chunking.avg");
        int max = r.u32("chunking.max");
        int level = r.u8("chunking.normalization");
        ChunkParams params;
        try {
            params = ChunkParams.of(min, avg, max, level);
        } catch (ShardException e) {
            throw r.bad("chunking", e.getMessage());
        }
        int ruleCode = r.u8("chunking.snapRule");
        BoundaryRule rule = BoundaryRule.fromCode(ruleCode);
        if (rule == null) {
            throw r.bad("chunking.snapRule", "unknown code " + ruleCode);
        }
        int snapWindow = r.u32("chunking.snapWindow");
        if (snapWindow > max || (rule == BoundaryRule.NONE && snapWindow != 0)) {
            throw r.bad("chunking.snapWindow", snapWindow + " does not fit the chunk sizes and rule");
        }
        int suite = r.u8("suite");
        if (suite != AssetManifest.SUITE_V1 && (suite != AssetManifest.SUITE_V2 || schema == SCHEMA_SINGLE)) {
            throw r.bad("suite", "unknown cipher suite " + suite);
        }
        int record = SHARD_RECORD + (suite == AssetManifest.SUITE_V2 ? Hash256.LENGTH : 0);
        int zstdLevel = r.u8("zstdLevel");
        if (zstdLevel < 1 || zstdLevel > 22) {
            throw r.bad("zstdLevel", zstdLevel + " is not a zstd level 1..22");
        }
        int count = r.u32("shardCount");
        if (count < 0 || (long) count * record > r.remaining()) {
            throw r.bad("shardCount", Integer.toUnsignedString(count) + " shards cannot fit in the "
                    + r.remaining() + " bytes left (truncated or corrupt)");
        }
        List<ShardEntry> shards = new ArrayList<>(count);
        long sum = 0;
        for (int i = 0; i < count; i++) {
            String f = "shards[" + i + "]";
            int plain = r.u32(f + ".plainLength");
            int stored = r.u32(f + ".storedLength");
            int compressionCode = r.u8(f + ".compression");
            Hash256 hash = Hash256.of(r.bytes(f + ".hash", Hash256.LENGTH));
            Hash256 chunkId = suite == AssetManifest.SUITE_V2 ? Hash256.of(r.bytes(f + ".chunkId", Hash256.LENGTH)) : null;
            Compression compression = Compression.fromCode(compressionCode);
            if (compression == null) {
                throw r.bad(f + ".compression", "unknown code " + compressionCode);
            }
            if (plain < 0 || plain > MAX_SHARD) {
                throw r.bad(f + ".plainLength", Integer.toUnsignedString(plain) + " exceeds the largest shard " + MAX_SHARD);
            }
            boolean consistent = compression == Compression.RAW
                    ? stored == plain + AesGcm.OVERHEAD
                    : stored > AesGcm.OVERHEAD && stored < plain + AesGcm.OVERHEAD;
            if (!consistent) {
                throw r.bad(f + ".storedLength", Integer.toUnsignedString(stored) + " is impossible for a "
                        + compression + " shard of " + plain + " bytes");
            }
            sum += plain;
            shards.add(new ShardEntry(plain, stored, compression, hash, chunkId));
        }
        if (sum != plainSize) {
            throw malformed("field plainSize: " + plainSize + " but the shard lengths add up to " + sum);
        }
        Hash256 root = Hash256.of(r.bytes("merkleRoot", Hash256.LENGTH));
        int keyCount = r.u8("keyCount");
        List<WrappedAssetKey> keys = new ArrayList<>(keyCount);
        for (int i = 0; i < keyCount; i++) {
            String f = "keys[" + i + "]";
            Hash256 recipient = Hash256.of(r.bytes(f + ".recipient", Hash256.LENGTH));
            int kemCode = r.u8(f + ".kem");
            KemAlgorithm kem;
            try {
                kem = KemAlgorithm.fromCode(kemCode);
            } catch (CryptoException e) {
                throw r.bad(f + ".kem", "unknown code " + kemCode);
            }
            byte[] ct = r.blob16(f + ".kemCiphertext");
            byte[] wrapped = r.blob16(f + ".wrappedKey");
            keys.add(new WrappedAssetKey(recipient, new KeyWrapper.WrappedKey(kem, ct, wrapped)));
        }
        PieceLayouts pieces = schema == SCHEMA_PIECES ? readPieces(r, shards) : null;
        return new AssetManifest(assetId, version, format, plainSize, new ChunkingInfo(params, rule, snapWindow), zstdLevel,
                shards, root, keys, suite, pieces);
    }

    /** Schema 3's layouts: every piece size must be the one the shard's stored length and k give. */
    private static PieceLayouts readPieces(FieldReader r, List<ShardEntry> shards) throws ShardException {
        int k = r.u8("pieces.k");
        int m = r.u8("pieces.m");
        if (k < 1 || m < 1 || k + m > 64) {
            throw r.bad("pieces.m", "erasure " + k + "+" + m + " is outside 1..64 pieces (the limit of RedundancyPolicy)");
        }
        if ((long) shards.size() * (4 + (long) (k + m) * Hash256.LENGTH) > r.remaining()) {
            throw r.bad("pieces", "the layouts of " + shards.size() + " shards cannot fit in the " + r.remaining()
                    + " bytes left (truncated or corrupt)");
        }
        List<PieceLayouts.Shard> out = new ArrayList<>(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            String f = "pieces[" + i + "]";
            int size = r.u32(f + ".pieceSize");
            int expected = PieceLayouts.pieceSize(shards.get(i).storedLength(), k);
            if (size != expected) {
                throw r.bad(f + ".pieceSize", Integer.toUnsignedString(size) + " but a shard of " + shards.get(i).storedLength()
                        + " bytes has pieces of " + expected + " under k=" + k);
            }
            List<Hash256> hashes = new ArrayList<>(k + m);
            for (int j = 0; j < k + m; j++) {
                hashes.add(Hash256.of(r.bytes(f + ".hash[" + j + "]", Hash256.LENGTH)));
            }
            out.add(new PieceLayouts.Shard(size, hashes));
        }
        return new PieceLayouts(k, m, out);
    }

    private static BatchSeal readSeal(FieldReader r) throws ShardException {
        SignatureAlgorithm algorithm = algorithm(r, "seal.algorithm");
        if (!BatchSeal.ALGORITHMS.contains(algorithm)) {
            throw r.bad("seal.algorithm", algorithm.id() + " cannot sign a manifest batch (SLH-DSA only)");
        }
        Hash256 keyId = Hash256.of(r.bytes("seal.signerKeyId", Hash256.LENGTH));
        int index = r.u32("seal.leafIndex");
        int size = r.u32("seal.batchSize");
        if (size < 1 || size > BatchSeal.MAX_BATCH || index < 0 || index >= size) {
            throw r.bad("seal.batchSize", "leaf " + Integer.toUnsignedString(index) + " of a batch of "
                    + Integer.toUnsignedString(size) + " (batches hold 1.." + BatchSeal.MAX_BATCH + ")");
        }
        int pathLength = r.u8("seal.pathLength");
        if (pathLength > BatchSeal.MAX_PATH) {
            throw r.bad("seal.pathLength", pathLength + " hashes; a batch of " + size + " needs at most " + BatchSeal.MAX_PATH);
        }
        List<Hash256> path = new ArrayList<>(pathLength);
        for (int i = 0; i < pathLength; i++) {
            path.add(Hash256.of(r.bytes("seal.path[" + i + "]", Hash256.LENGTH)));
        }
        Hash256 root = Hash256.of(r.bytes("seal.batchRoot", Hash256.LENGTH));
        return new BatchSeal(algorithm, keyId, new InclusionProof(index, size, path), root, trailingSignature(r));
    }

    private static SignatureAlgorithm algorithm(FieldReader r, String field) throws ShardException {
        int code = r.u8(field);
        try {
            return SignatureAlgorithm.fromCode(code);
        } catch (CryptoException e) {
            throw r.bad(field, "unknown code " + code);
        }
    }

    /** {@code u32 length | signature}, which must end the encoding exactly. */
    private static byte[] trailingSignature(FieldReader r) throws ShardException {
        int sigLength = r.u32("signatureLength");
        if (sigLength < 0 || sigLength != r.remaining()) {
            throw r.bad("signature", "length field says " + Integer.toUnsignedString(sigLength) + " bytes but "
                    + r.remaining() + " remain (truncated or trailing bytes)");
        }
        return r.bytes("signature", sigLength);
    }

    private static void writeBlob16(DataOutputStream out, byte[] blob) throws IOException {
        if (blob.length > 0xffff) {
            throw new IllegalArgumentException("field too long for a u16 length: " + blob.length);
        }
        out.writeShort(blob.length);
        out.write(blob);
    }

    static ShardException malformed(String why) {
        return FieldReader.malformed(why);
    }
}
